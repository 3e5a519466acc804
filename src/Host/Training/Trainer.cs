using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Host.Composition;
using NirHost.Host.Evaluation;
using NirHost.Host.IO;
using NirHost.Host.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// The training loop of the original's <c>main.py</c>: the optimizer over the model's and the criterion's
/// parameter groups, the epoch-wise schedule, per-epoch reseeding, warm-up, evaluation every epoch, CSV logs,
/// TensorBoard logs, a summary, and a resumable checkpoint at the end of every epoch.
/// </summary>
public sealed class Trainer(IServiceProvider services, RunConfiguration configuration, ILogger<Trainer> logger)
{
    public RunSummary Run(TrainingReporter reporter, CancellationToken cancellation = default)
    {
        var optimization = configuration.Get<OptimizationOptions>();
        var evaluation = configuration.Get<EvaluationOptions>();
        var run = configuration.Get<RunOptions>();
        var data = configuration.Get<DataOptions>();
        var selection = configuration.Get<ComponentSelectionOptions>();
        var clock = Stopwatch.StartNew();

        // Seed before any component exists, as the original calls set_seed before building the model.
        random.manual_seed(optimization.Seed);
        var splits = services.GetRequiredService<DatasetSplits>();
        var setup = services.GetRequiredService<TrainingSetup>();
        using var model = services.GetRequiredService<Architecture>();
        var sampler = services.GetRequiredService<IBatchSampler>();
        var (criterion, miner, criterionDescriptor) = services.GetRequiredService<CriterionWithMiner>();
        var evaluator = services.GetRequiredService<Evaluator>();
        using var _ = criterion;

        model.to(setup.Device);
        criterion.to(setup.Device);
        var groups = ModelGroups(model, optimization).Concat(criterion.ParameterGroups(setup)).ToList();
        using var optimizer = OptimizerFactory.Create(optimization.Optim, groups);
        var schedule = new LearningRateSchedule(optimizer, optimization.Scheduler, optimization.Tau, optimization.Gamma);

        RunFolder folder;
        RunSummary summary;
        Dictionary<string, double> best;
        var startEpoch = 0;
        var previousWallTime = 0.0;
        if (run.Resume.Length > 0)
        {
            var state = TrainingCheckpoint.Restore(run.Resume, model, criterion, optimizer, notice => reporter.Line(Spectre.Console.Markup.Escape(notice)));
            folder = RunFolder.Open(run.Resume, state?.CsvRows ?? new Dictionary<string, int>());
            summary = state?.Summary ?? new RunSummary();
            summary.RunFolder = folder.Path;
            best = state?.BestStorageMetrics ?? new Dictionary<string, double>(StringComparer.Ordinal);
            startEpoch = state?.CompletedEpochs ?? 0;
            previousWallTime = summary.WallTimeSeconds;
            if (state is not null)
            {
                ResumeSchedule(schedule, optimizer, state);
            }
            summary.ResumedAtEpochs.Add(startEpoch);
            reporter.Line($"[bold]Resuming[/] {Spectre.Console.Markup.Escape(folder.Path)} at epoch {startEpoch} of {optimization.NEpochs}");
            logger.LogInformation("Resuming {Folder} at epoch {Epoch}", folder.Path, startEpoch);
        }
        else
        {
            folder = RunFolder.Create(run.SavePath, data.Dataset, RunFolder.RunName(run, data.Dataset, selection.Arch, optimization.Seed, DateTime.Now));
            folder.WriteParameters(configuration.EffectiveFlags(), configuration.Command(), configuration.ArgumentList());
            summary = new RunSummary { RunFolder = folder.Path };
            best = new Dictionary<string, double>(StringComparer.Ordinal);
            reporter.Line($"[bold]Run folder:[/] {Spectre.Console.Markup.Escape(folder.Path)}");
        }
        var online = run.LogOnline ? new TensorBoardLog(folder.Path, run.Project, run.Group, configuration.Command(), startEpoch) : null;
        var groupNames = groups.Select(g => g.Name).ToList();

        reporter.Line($"Dataset: {data.Dataset} ({splits.Training.Count} train / {splits.Testing.Count} test samples) | " +
            $"Objective: {selection.Loss} | Batchminer: {(miner is null ? "N/A" : selection.BatchMining)} | " +
            $"Backbone: {selection.Arch} (#weights: {model.parameters().Where(p => p.requires_grad).Sum(p => p.numel())}) | Device: {setup.Device}");
        logger.LogInformation("Training {Loss} on {Dataset} for {Epochs} epochs in {Folder}", selection.Loss, data.Dataset, optimization.NEpochs, folder.Path);

        for (var epoch = startEpoch; epoch < optimization.NEpochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            var epochClock = Stopwatch.StartNew();
            // Reseed every epoch, as the original, so that a resumed run continues exactly like an uninterrupted one.
            var epochSeed = optimization.NEpochs * optimization.Seed + epoch;
            random.manual_seed(epochSeed);
            var rng = new Random(epochSeed);
            var warmup = epoch < optimization.Warmup;
            var learningRates = optimizer.ParamGroups.Select(g => g.LearningRate).ToList();
            logger.LogInformation("Epoch {Epoch}: learning rates {Rates}", epoch, string.Join(" | ", learningRates));

            model.train();
            criterion.train();
            var losses = new List<double>();
            var batches = sampler.BatchesPerEpoch;
            var title = $"Epoch {epoch}{(warmup ? " (warmup)" : "")}";
            reporter.Progress(title, batches, advance =>
            {
                var step = 0;
                // The epoch's batches and their augmentation seeds are drawn up front, so that loading ahead on
                // worker threads cannot change what the criterion later draws from the same generator.
                var epochBatches = sampler.Batches(rng).ToList();
                var seeds = epochBatches.Select(_ => rng.Next()).ToArray();
                using var loader = new BatchLoader(splits.Training, epochBatches, seeds, data.Kernels);
                foreach (var (indices, loaded) in loader.Batches())
                {
                    using var cpuInput = loaded;
                    cancellation.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    optimizer.zero_grad();
                    var input = cpuInput.to(setup.Device);
                    var labels = tensor(indices.Select(i => (long)splits.Training.Labels[i]).ToArray(), device: setup.Device);
                    var output = model.Forward(input, warmup);
                    var loss = criterion.forward(new CriterionBatch(output.Embeddings, labels)
                    {
                        PooledFeatures = output.PooledFeatures,
                        Epoch = epoch,
                        Miner = miner,
                        Random = rng,
                    });
                    var value = loss.item<float>();
                    if (!float.IsFinite(value))
                    {
                        throw new TrainingDivergedException(
                            $"The loss of criterion '{criterionDescriptor.Name}' became {value} at epoch {epoch}, step {step}; stopping instead of training on it.");
                    }
                    loss.backward();
                    optimizer.step();
                    losses.Add(value);
                    step++;
                    advance(step, $"{title} | loss {losses.Average():0.0000}");
                }
                return step;
            });

            var meanLoss = losses.Count > 0 ? losses.Average() : double.NaN;
            summary.TrainLoss.Add(meanLoss);
            schedule.Step();

            var trainRow = new List<(string, double)> { ("epochs", epoch), ("loss", meanLoss), ("time", Math.Round(epochClock.Elapsed.TotalSeconds, 4)) };
            var results = new Dictionary<string, IReadOnlyDictionary<string, double>>();
            if (!evaluation.NoTestMetrics)
            {
                var test = evaluator.Evaluate(model, splits.Testing, optimization.Bs, setup.Device);
                results["Test"] = test;
                summary.Record("Test", epoch, test);
                folder.AppendCsv("Test", [("epochs", epoch), .. test.Select(kv => (kv.Key, kv.Value))]);
                if (evaluation.StoreImprovements)
                {
                    StoreImprovements(folder, test, best, evaluation, model, criterion, epoch);
                }
            }
            if (splits.Validation is { } validationSplit)
            {
                var validation = evaluator.Evaluate(model, validationSplit, optimization.Bs, setup.Device);
                results["Val"] = validation;
                summary.Record("Val", epoch, validation);
                folder.AppendCsv("Val", [("epochs", epoch), .. validation.Select(kv => (kv.Key, kv.Value))]);
            }
            if (!evaluation.NoTrainMetrics)
            {
                var train = evaluator.Evaluate(model, splits.Evaluation, optimization.Bs, setup.Device);
                results["Train"] = train;
                summary.Record("Train", epoch, train);
                trainRow.AddRange(train.Select(kv => (kv.Key, kv.Value)));
            }
            folder.AppendCsv("Train", trainRow);

            if (online is not null)
            {
                online.Scalar("Train/loss", meanLoss, epoch);
                online.Scalar("Train/time", epochClock.Elapsed.TotalSeconds, epoch);
                for (var g = 0; g < learningRates.Count; g++)
                {
                    online.Scalar(TensorBoardLog.LearningRateTag(groupNames[g], g, groupNames), learningRates[g], epoch);
                }
                foreach (var (split, values) in results)
                {
                    online.Split(split, values, epoch);
                }
            }

            summary.Epochs = epoch + 1;
            summary.WallTimeSeconds = Math.Round(previousWallTime + clock.Elapsed.TotalSeconds, 3);
            folder.WriteAtomically("summary.json", summary.ToJson());
            // Last, so that a checkpoint never claims an epoch whose logs are missing.
            TrainingCheckpoint.Save(folder.Path, model, criterion, optimizer, new CheckpointState
            {
                CompletedEpochs = epoch + 1,
                Optimizer = optimization.Optim,
                Scheduler = schedule.Name,
                LearningRates = [.. optimizer.ParamGroups.Select(g => g.LearningRate)],
                BestStorageMetrics = best,
                CsvRows = new Dictionary<string, int>(folder.CsvRows),
                Summary = summary,
            });
            reporter.Line($"Epoch {epoch}: loss {meanLoss.ToString("0.0000", CultureInfo.InvariantCulture)}" +
                string.Concat(results.SelectMany(split => split.Value.Select(m =>
                    $" | {split.Key} {m.Key} {m.Value.ToString("0.0000", CultureInfo.InvariantCulture)}"))) +
                $" | {epochClock.Elapsed.TotalSeconds:0.0}s");
            reporter.EpochCompleted?.Invoke(epoch + 1);
        }

        summary.WallTimeSeconds = Math.Round(previousWallTime + clock.Elapsed.TotalSeconds, 3);
        folder.WriteAtomically("summary.json", summary.ToJson());
        return summary;
    }

    /// <summary>
    /// Steps the rebuilt schedule through the epochs already trained, then checks that it lands on the rates
    /// the checkpoint recorded: a mismatch means the run was not rebuilt as it was.
    /// </summary>
    private static void ResumeSchedule(LearningRateSchedule schedule, OptimizerHelper optimizer, CheckpointState state)
    {
        schedule.FastForward(state.CompletedEpochs);
        var rates = optimizer.ParamGroups.Select(g => g.LearningRate).ToList();
        if (rates.Count != state.LearningRates.Count
            || rates.Zip(state.LearningRates).Any(pair => Math.Abs(pair.First - pair.Second) > 1e-12 * Math.Max(1, Math.Abs(pair.Second))))
        {
            throw new InvalidDataException(
                $"The checkpoint's learning rates ({string.Join(", ", state.LearningRates)}) differ from the rebuilt schedule's ({string.Join(", ", rates)}).");
        }
    }

    /// <summary>
    /// The model's optimizer groups as the original builds them: everything at --lr, or, with --fc_lr set,
    /// the embedding head apart at --fc_lr. Both with --decay as weight decay.
    /// </summary>
    private static IEnumerable<ParameterGroup> ModelGroups(Architecture model, OptimizationOptions optimization)
    {
        if (optimization.FcLr < 0)
        {
            return [new ParameterGroup("model", model.parameters().ToList(), optimization.Lr, optimization.Decay)];
        }
        var head = model.EmbeddingHead.parameters().ToHashSet(ReferenceEqualityComparer.Instance);
        return
        [
            new ParameterGroup("backbone", model.parameters().Where(p => !head.Contains(p)).ToList(), optimization.Lr, optimization.Decay),
            new ParameterGroup("embedding head", model.EmbeddingHead.parameters().ToList(), optimization.FcLr, optimization.Decay),
        ];
    }

    private void StoreImprovements(RunFolder folder, IReadOnlyDictionary<string, double> test, Dictionary<string, double> best,
        EvaluationOptions evaluation, Architecture model, Criterion criterion, int epoch)
    {
        foreach (var metric in evaluation.StorageMetrics)
        {
            if (!test.TryGetValue(metric, out var value) || (best.TryGetValue(metric, out var previous) && value <= previous))
            {
                continue;
            }
            best[metric] = value;
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (name, tensor) in model.state_dict())
            {
                tensors["model." + name] = tensor;
            }
            foreach (var (name, tensor) in criterion.state_dict())
            {
                tensors["criterion." + name] = tensor;
            }
            var file = Path.Combine(folder.Path, $"checkpoint_Test_{metric.Replace('@', '_')}.safetensors");
            SafeTensorsFile.Write(file, tensors, new Dictionary<string, string>
            {
                ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
                ["metric"] = metric,
                ["value"] = value.ToString("R", CultureInfo.InvariantCulture),
            });
            logger.LogInformation("Stored checkpoint {File} ({Metric} = {Value})", file, metric, value);
        }
    }
}

/// <summary>The loss stopped being a finite number; the run stops rather than report results of a broken model.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
