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
/// The training loop of the original's <c>main.py</c>: Adam over the model's and the criterion's parameter
/// groups, MultiStepLR, per-epoch reseeding, warm-up, evaluation every epoch, CSV logs and a summary.
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
        using var optimizer = optim.Adam(groups.Select(g => new Adam.ParamGroup(
            g.Parameters, lr: g.LearningRate, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: g.WeightDecay ?? 0)).ToList());
        var scheduler = optim.lr_scheduler.MultiStepLR(optimizer, optimization.Tau, optimization.Gamma);

        var folder = RunFolder.Create(run.SavePath, data.Dataset, RunName(run, data, selection, optimization));
        folder.WriteParameters(configuration.EffectiveFlags(), configuration.Command());
        var summary = new RunSummary { RunFolder = folder.Path };
        var best = new Dictionary<string, double>(StringComparer.Ordinal);

        reporter.Line($"[bold]Run folder:[/] {Spectre.Console.Markup.Escape(folder.Path)}");
        reporter.Line($"Dataset: {data.Dataset} ({splits.Training.Count} train / {splits.Testing.Count} test samples) | " +
            $"Objective: {selection.Loss} | Batchminer: {(miner is null ? "N/A" : selection.BatchMining)} | " +
            $"Backbone: {selection.Arch} (#weights: {model.parameters().Where(p => p.requires_grad).Sum(p => p.numel())}) | Device: {setup.Device}");
        logger.LogInformation("Training {Loss} on {Dataset} for {Epochs} epochs in {Folder}", selection.Loss, data.Dataset, optimization.NEpochs, folder.Path);

        for (var epoch = 0; epoch < optimization.NEpochs; epoch++)
        {
            cancellation.ThrowIfCancellationRequested();
            var epochClock = Stopwatch.StartNew();
            // Reseed every epoch so that a resumed run continues exactly like an uninterrupted one.
            var epochSeed = optimization.NEpochs * optimization.Seed + epoch;
            random.manual_seed(epochSeed);
            var rng = new Random(epochSeed);
            var warmup = epoch < optimization.Warmup;

            model.train();
            criterion.train();
            var losses = new List<double>();
            var batches = sampler.BatchesPerEpoch;
            var title = $"Epoch {epoch}{(warmup ? " (warmup)" : "")}";
            reporter.Progress(title, batches, advance =>
            {
                var step = 0;
                foreach (var indices in sampler.Batches(rng))
                {
                    cancellation.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    optimizer.zero_grad();
                    var input = splits.Training.LoadBatch(indices, rng).to(setup.Device);
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
            if (optimization.Scheduler != "none")
            {
                scheduler.step();
            }

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
            if (!evaluation.NoTrainMetrics)
            {
                var train = evaluator.Evaluate(model, splits.Evaluation, optimization.Bs, setup.Device);
                results["Train"] = train;
                summary.Record("Train", epoch, train);
                trainRow.AddRange(train.Select(kv => (kv.Key, kv.Value)));
            }
            folder.AppendCsv("Train", trainRow);

            summary.Epochs = epoch + 1;
            summary.WallTimeSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
            folder.WriteAtomically("summary.json", summary.ToJson());
            reporter.Line($"Epoch {epoch}: loss {meanLoss.ToString("0.0000", CultureInfo.InvariantCulture)}" +
                string.Concat(results.SelectMany(split => split.Value.Select(m =>
                    $" | {split.Key} {m.Key} {m.Value.ToString("0.0000", CultureInfo.InvariantCulture)}"))) +
                $" | {epochClock.Elapsed.TotalSeconds:0.0}s");
        }

        summary.WallTimeSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
        folder.WriteAtomically("summary.json", summary.ToJson());
        return summary;
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

    /// <summary>The original's run names: <c>&lt;group&gt;_s&lt;seed&gt;</c> online, else DATASET_ARCH_&lt;date&gt;.</summary>
    private static string RunName(RunOptions run, DataOptions data, ComponentSelectionOptions selection, OptimizationOptions optimization)
    {
        var name = run.Savename;
        if (name == "group_plus_seed")
        {
            name = run.LogOnline ? $"{run.Group}_s{optimization.Seed}" : "";
        }
        if (name.Length == 0)
        {
            var now = DateTime.Now;
            name = $"{data.Dataset.ToUpperInvariant()}_{selection.Arch.ToUpperInvariant()}_{now.Year}-{now.Month}-{now.Day}-{now.Hour}-{now.Minute}-{now.Second}";
        }
        return name;
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
