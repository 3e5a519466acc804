using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Evaluation;
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
    private RunFolder? _folder;
    private RunSummary? _summary;
    private Stopwatch? _clock;
    private double _previousWallTime;

    /// <summary>
    /// Trains the run. However it ends, its folder keeps what was written and <c>summary.json</c> says how it
    /// ended: completed, interrupted (Ctrl+C, SIGTERM), diverged (something not finite) or failed.
    /// </summary>
    public RunSummary Run(TrainingReporter reporter, CancellationToken cancellation = default)
    {
        try
        {
            var summary = Train(reporter, cancellation);
            summary.Status = RunStatus.Completed;
            WriteSummary(summary);
            return summary;
        }
        catch (Exception e) when (_folder is not null && _summary is not null)
        {
            _summary.Status = e switch
            {
                TrainingInterruptedException => RunStatus.Interrupted,
                TrainingDivergedException => RunStatus.Diverged,
                _ => RunStatus.Failed,
            };
            _summary.Error = TrainingFaults.FirstLine(e.Message);
            try
            {
                WriteSummary(_summary);
            }
            catch (IOException writeError)
            {
                // The run's own error is the one to report; this one only explains a stale summary.json.
                logger.LogWarning("Could not record the run's end in summary.json: {Error}", writeError.Message);
            }
            throw;
        }
    }

    private void WriteSummary(RunSummary summary)
    {
        summary.WallTimeSeconds = Math.Round(_previousWallTime + _clock!.Elapsed.TotalSeconds, 3);
        _folder!.WriteAtomically("summary.json", summary.ToJson());
    }

    private RunSummary Train(TrainingReporter reporter, CancellationToken cancellation)
    {
        var optimization = configuration.Get<OptimizationOptions>();
        var evaluation = configuration.Get<EvaluationOptions>();
        var run = configuration.Get<RunOptions>();
        var data = configuration.Get<DataOptions>();
        var selection = configuration.Get<ComponentSelectionOptions>();
        var clock = _clock = Stopwatch.StartNew();

        // Seed before any component exists, as the original calls set_seed before building the model.
        random.manual_seed(optimization.Seed);
        var splits = services.GetRequiredService<DatasetSplits>();
        var setup = services.GetRequiredService<TrainingSetup>();
        using var model = services.GetRequiredService<Architecture>();
        var sampler = services.GetRequiredService<IBatchSampler>();
        var (criterion, miner, criterionDescriptor) = services.GetRequiredService<CriterionWithMiner>();
        var evaluator = services.GetRequiredService<Evaluator>();
        var factory = services.GetRequiredService<ComponentFactory>();
        var dataset = services.GetRequiredService<IDataset>();
        using var _ = criterion;
        var guard = new NonFiniteGuard(model, criterion, criterionDescriptor.Name, selection.Arch);
        var skipNonFinite = run.OnNonfinite == "skip";

        model.to(setup.Device);
        criterion.to(setup.Device);
        var groups = ModelGroups(model, optimization)
            .Concat(Guarded(factory, criterion, "listing its parameter groups", () => criterion.ParameterGroups(setup).ToList())).ToList();
        using var optimizer = OptimizerFactory.Create(optimization.Optim, groups);
        var schedule = new LearningRateSchedule(optimizer, optimization.Scheduler, optimization.Tau, optimization.Gamma);

        RunFolder folder;
        RunSummary summary;
        Dictionary<string, double> best;
        var startEpoch = 0;
        var previousWallTime = 0.0;
        InterruptedEpoch? interrupted = null;
        if (run.Resume.Length > 0)
        {
            var restored = TrainingCheckpoint.Restore(run.Resume, model, criterion, optimizer, notice => reporter.Line(Spectre.Console.Markup.Escape(notice)));
            var state = restored?.State;
            if (restored is { Extras: var extras })
            {
                try
                {
                    RestoreComponentState(factory, sampler, "sampler.", extras, run.Resume);
                    RestoreComponentState(factory, miner, "miner.", extras, run.Resume);
                    interrupted = state!.InEpoch is { } progress ? InterruptedEpoch.From(progress, extras, TrainingCheckpoint.PathIn(run.Resume)) : null;
                }
                finally
                {
                    foreach (var tensor in extras.Values)
                    {
                        tensor.Dispose();
                    }
                }
            }
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
            var at = interrupted is null ? $"epoch {startEpoch}" : $"epoch {startEpoch}, step {interrupted.Progress.StepsDone}";
            reporter.Line($"[bold]Resuming[/] {Spectre.Console.Markup.Escape(folder.Path)} at {at} of {optimization.NEpochs} epochs");
            logger.LogInformation("Resuming {Folder} at {At}", folder.Path, at);
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
        (_folder, _summary, _previousWallTime) = (folder, summary, previousWallTime);
        summary.Status = RunStatus.Running;
        summary.Error = null;
        WriteSummary(summary);

        reporter.Line($"Dataset: {data.Dataset} ({splits.Training.Count} train / {splits.Testing.Count} test samples) | " +
            $"Objective: {selection.Loss} | Batchminer: {(miner is null ? "N/A" : selection.BatchMining)} | " +
            $"Backbone: {selection.Arch} (#weights: {model.parameters().Where(p => p.requires_grad).Sum(p => p.numel())}) | Device: {setup.Device}");
        logger.LogInformation("Training {Loss} on {Dataset} for {Epochs} epochs in {Folder}", selection.Loss, data.Dataset, optimization.NEpochs, folder.Path);

        for (var epoch = startEpoch; epoch < optimization.NEpochs; epoch++)
        {
            // An epoch interrupted after some of its steps continues where it stopped, with the generators' states then.
            var continued = epoch == startEpoch ? interrupted : null;
            if (cancellation.IsCancellationRequested)
            {
                throw Interrupted(epoch, continued?.Progress.StepsDone ?? 0);
            }
            var epochClock = Stopwatch.StartNew();
            var earlierSeconds = continued?.Progress.ElapsedSeconds ?? 0;
            // Reseed every epoch, as the original, so that a resumed run continues exactly like an uninterrupted one.
            var epochSeed = optimization.NEpochs * optimization.Seed + epoch;
            random.manual_seed(epochSeed);
            var rng = new ResumableRandom(epochSeed);
            var warmup = epoch < optimization.Warmup;
            var learningRates = optimizer.ParamGroups.Select(g => g.LearningRate).ToList();
            logger.LogInformation("Epoch {Epoch}: learning rates {Rates}", epoch, string.Join(" | ", learningRates));

            model.train();
            criterion.train();
            var losses = new List<double>(continued?.Progress.Losses ?? []);
            var storage = sampler as IStorageBatchSampler;
            if (continued is null)
            {
                storage?.BeginEpoch(epoch, new TrainingSetEmbedding(model, splits, optimization.Bs, setup.Device, reporter).Embed);
            }
            var title = $"Epoch {epoch}{(warmup ? " (warmup)" : "")}";
            List<int[]> epochBatches;
            int[] seeds;
            var step = 0;
            if (continued is null)
            {
                // The epoch's batches and their augmentation seeds are drawn up front, so that loading ahead on
                // worker threads cannot change what the criterion later draws from the same generator.
                epochBatches = Guarded(factory, sampler, "composing the batches of epoch " + epoch, () => sampler.Batches(rng).ToList());
                seeds = epochBatches.Select(_ => rng.Next()).ToArray();
            }
            else
            {
                (epochBatches, seeds, step) = (continued.Batches, continued.Seeds, continued.Progress.StepsDone);
                rng.RestoreState(continued.Progress.RandomState);
                using var libtorchState = tensor(continued.LibtorchRandomState, dtype: ScalarType.Byte);
                random.set_rng_state(libtorchState);
            }
            var interruptedAfter = reporter.Progress(title, epochBatches.Count, advance =>
            {
                advance(step, title);
                using var loader = new BatchLoader(splits.Training, epochBatches[step..], seeds[step..], data.Kernels);
                using var loadedBatches = loader.Batches().GetEnumerator();
                while (true)
                {
                    // Ctrl+C lets the step in flight finish; the run stops between steps with everything saved.
                    if (cancellation.IsCancellationRequested)
                    {
                        return step;
                    }
                    var where = $"at epoch {epoch}, step {step}";
                    if (!Guarded(factory, dataset, $"loading the training batch {where}", loadedBatches.MoveNext))
                    {
                        return -1;
                    }
                    var (indices, loaded) = loadedBatches.Current;
                    using var cpuInput = loaded;
                    using var scope = NewDisposeScope();
                    try
                    {
                        optimizer.zero_grad();
                        var buffers = skipNonFinite ? SnapshotBuffers(model, criterion) : null;
                        var input = cpuInput.to(setup.Device);
                        var labels = tensor(indices.Select(i => (long)splits.Training.Labels[i]).ToArray(), device: setup.Device);
                        var output = Guarded(factory, model, $"embedding the training batch {where}", () => model.Forward(input, warmup));
                        var loss = Guarded(factory, criterion, $"computing the loss {where}", () => criterion.forward(new CriterionBatch(output.Embeddings, labels)
                        {
                            PooledFeatures = output.PooledFeatures,
                            FeatureMaps = output.FeatureMaps,
                            Epoch = epoch,
                            Miner = miner,
                            Random = rng,
                        }));
                        Guarded(factory, criterion, $"back-propagating the loss {where}", () => loss.backward());
                        var (value, problem) = guard.Check(loss, output.Embeddings, epoch, step);
                        if (problem is null)
                        {
                            optimizer.step();
                            losses.Add(value);
                            storage?.Observe(indices, output.Embeddings.detach());
                        }
                        else if (skipNonFinite)
                        {
                            optimizer.zero_grad();
                            RestoreBuffers(buffers!);
                            summary.SkippedSteps++;
                            logger.LogWarning("Skipped the update of step {Step} in epoch {Epoch} (--on_nonfinite skip): {Problem}", step, epoch, problem);
                        }
                        else
                        {
                            throw new TrainingDivergedException(problem + " The run stops here, keeping the checkpoints and logs written before this step; " +
                                "a lower --lr, or --on_nonfinite skip to drop such steps, may help.");
                        }
                    }
                    catch (Exception e) when (TrainingFaults.IsOutOfMemory(e))
                    {
                        throw OutOfMemory(e, $"training {where}", optimization.Bs, setup.Device);
                    }
                    step++;
                    reporter.StepCompleted?.Invoke(epoch, step);
                    advance(step, $"{title} | loss {(losses.Count > 0 ? losses.Average() : double.NaN):0.0000}");
                }
            });
            if (interruptedAfter > 0)
            {
                // Everything the rest of the epoch depends on is saved, so --resume continues with the next step.
                using var libtorchRandom = random.get_rng_state();
                Checkpoint(folder, model, criterion, optimizer, sampler, miner, optimization, best, summary, epoch, new InterruptedEpoch(
                    new EpochProgress
                    {
                        StepsDone = interruptedAfter,
                        Losses = losses,
                        RandomState = rng.SaveState(),
                        ElapsedSeconds = Math.Round(earlierSeconds + epochClock.Elapsed.TotalSeconds, 4),
                    },
                    epochBatches, seeds, libtorchRandom.data<byte>().ToArray()));
            }
            if (interruptedAfter >= 0)
            {
                throw Interrupted(epoch, interruptedAfter);
            }

            var meanLoss = losses.Count > 0 ? losses.Average() : double.NaN;
            summary.TrainLoss.Add(meanLoss);
            schedule.Step();

            List<(string, double)> trainScalars = [("epochs", epoch), ("loss", meanLoss), ("time", Math.Round(earlierSeconds + epochClock.Elapsed.TotalSeconds, 4))];
            var trainRow = new List<(string, double)>(trainScalars);
            var results = new Dictionary<string, IReadOnlyDictionary<string, double>>();
            if (!evaluation.NoTestMetrics)
            {
                // The sample retrieval figure reuses the test split's neighbour search.
                var test = Evaluate(factory, evaluator, model, splits.Testing, "test", epoch, optimization.Bs, setup.Device, RetrievalFigure.Needs,
                    data => RetrievalFigure.Write(Path.Combine(folder.Path, RetrievalFigure.FileName), data, splits.Testing, epochSeed));
                results["Test"] = test;
                summary.Record("Test", epoch, test);
                folder.AppendCsv("Test", [("epochs", epoch), .. test.Select(kv => (kv.Key, kv.Value))]);
                folder.AppendOriginalCsv("Test", [], test);
                if (evaluation.StoreImprovements)
                {
                    StoreImprovements(folder, "Test", test, best, evaluation, evaluator.Evaltypes, model, criterion, epoch);
                }
            }
            if (splits.Validation is { } validationSplit)
            {
                var validation = Evaluate(factory, evaluator, model, validationSplit, "validation", epoch, optimization.Bs, setup.Device);
                results["Val"] = validation;
                summary.Record("Val", epoch, validation);
                folder.AppendCsv("Val", [("epochs", epoch), .. validation.Select(kv => (kv.Key, kv.Value))]);
                folder.AppendOriginalCsv("Val", [], validation);
                if (evaluation.StoreImprovements)
                {
                    StoreImprovements(folder, "Val", validation, best, evaluation, evaluator.Evaltypes, model, criterion, epoch);
                }
            }
            if (!evaluation.NoTrainMetrics)
            {
                var train = Evaluate(factory, evaluator, model, splits.Evaluation, "training", epoch, optimization.Bs, setup.Device);
                results["Train"] = train;
                summary.Record("Train", epoch, train);
                trainRow.AddRange(train.Select(kv => (kv.Key, kv.Value)));
                if (evaluation.StoreImprovements)
                {
                    StoreImprovements(folder, "Train", train, best, evaluation, evaluator.Evaltypes, model, criterion, epoch);
                }
            }
            folder.AppendCsv("Train", trainRow);
            folder.AppendOriginalCsv("Train", trainScalars, results.GetValueOrDefault("Train") ?? new Dictionary<string, double>());

            if (online is not null)
            {
                online.Scalar("Train/loss", meanLoss, epoch);
                online.Scalar("Train/time", earlierSeconds + epochClock.Elapsed.TotalSeconds, epoch);
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
            WriteSummary(summary);
            // Last, so that a checkpoint never claims an epoch whose logs are missing.
            Checkpoint(folder, model, criterion, optimizer, sampler, miner, optimization, best, summary, epoch + 1, null);
            reporter.Line($"Epoch {epoch}: lr {string.Join(" | ", learningRates.Select(r => r.ToString("G4", CultureInfo.InvariantCulture)))}" +
                $" | loss {meanLoss.ToString("0.0000", CultureInfo.InvariantCulture)}" +
                string.Concat(results.SelectMany(split => split.Value.Select(m =>
                    $" | {split.Key} {m.Key} {m.Value.ToString("0.0000", CultureInfo.InvariantCulture)}"))) +
                $" | {epochClock.Elapsed.TotalSeconds:0.0}s");
            reporter.EpochCompleted?.Invoke(epoch + 1);
        }

        return summary;
    }

    /// <summary>
    /// Writes <c>checkpoint_last</c>: at the end of an epoch (<paramref name="interrupted"/> null, <paramref name="completedEpochs"/>
    /// done), or inside epoch <paramref name="completedEpochs"/> after an interruption, with what its remaining steps need.
    /// </summary>
    private static void Checkpoint(RunFolder folder, Architecture model, Criterion criterion, OptimizerHelper optimizer, IBatchSampler sampler,
        IBatchMiner? miner, OptimizationOptions optimization, Dictionary<string, double> best, RunSummary summary, int completedEpochs,
        InterruptedEpoch? interrupted)
    {
        using var scope = NewDisposeScope();
        var extras = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (prefix, component) in new (string, object?)[] { ("sampler.", sampler), ("miner.", miner) })
        {
            if (component is IResumableState stateful)
            {
                foreach (var (name, tensor) in stateful.SaveState())
                {
                    extras[prefix + name] = tensor;
                }
            }
        }
        if (interrupted is not null)
        {
            foreach (var (name, tensor) in interrupted.Tensors())
            {
                extras[name] = tensor;
            }
        }
        TrainingCheckpoint.Save(folder.Path, model, criterion, optimizer, new CheckpointState
        {
            CompletedEpochs = completedEpochs,
            Optimizer = optimization.Optim,
            Scheduler = optimization.Scheduler,
            LearningRates = [.. optimizer.ParamGroups.Select(g => g.LearningRate)],
            BestStorageMetrics = best,
            CsvRows = new Dictionary<string, int>(folder.CsvRows),
            Summary = summary,
            InEpoch = interrupted?.Progress,
        }, extras);
    }

    private static void RestoreComponentState(ComponentFactory factory, object? component, string prefix, IReadOnlyDictionary<string, Tensor> saved,
        string runFolder)
    {
        var state = saved.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(pair => pair.Key[prefix.Length..], pair => pair.Value, StringComparer.Ordinal);
        if (component is IResumableState stateful)
        {
            Guarded(factory, component, "restoring its state from " + TrainingCheckpoint.PathIn(runFolder), () => stateful.RestoreState(state));
        }
        else if (state.Count > 0)
        {
            throw new InvalidDataException(
                $"{TrainingCheckpoint.PathIn(runFolder)} holds {prefix.TrimEnd('.')} state ({string.Join(", ", state.Keys.Take(5))}) that this run's {prefix.TrimEnd('.')} does not keep.");
        }
    }

    private TrainingInterruptedException Interrupted(int epoch, int step)
    {
        var message = (step == 0
                ? $"Interrupted before epoch {epoch}. {_summary!.Epochs} completed epoch(s) are saved; nirhost --resume {_folder!.Path} continues at epoch {epoch}."
                : $"Interrupted in epoch {epoch} after step {step}. {_summary!.Epochs} completed epoch(s) and {step} step(s) of epoch {epoch} are saved; " +
                  $"nirhost --resume {_folder!.Path} continues at epoch {epoch}, step {step}.");
        logger.LogWarning("{Message}", message);
        return new TrainingInterruptedException(message);
    }

    /// <summary>Runs a call into a plugin component; its failures name the component, its kind and its assembly.</summary>
    private static T Guarded<T>(ComponentFactory factory, object component, string activity, Func<T> call)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (e is not (OperationCanceledException or ComponentException or Cli.CommandLineException or TrainingDivergedException
            or NonFiniteEmbeddingsException) && !TrainingFaults.IsOutOfMemory(e))
        {
            throw factory.Blame(e, component, activity);
        }
    }

    private static void Guarded(ComponentFactory factory, object component, string activity, Action call) =>
        Guarded(factory, component, activity, () =>
        {
            call();
            return 0;
        });

    private static Dictionary<string, double> Evaluate(ComponentFactory factory, Evaluator evaluator, Architecture model, IDataSplit split,
        string splitName, int epoch, int batchSize, Device device, EvaluationNeeds? extraNeeds = null, Action<EvaluationData>? inspect = null)
    {
        try
        {
            return Guarded(factory, model, $"evaluating the {splitName} split after epoch {epoch}",
                () => evaluator.Evaluate(model, split, batchSize, device, extraNeeds: extraNeeds, inspect: inspect));
        }
        catch (NonFiniteEmbeddingsException e)
        {
            throw new TrainingDivergedException($"Evaluation of the {splitName} split after epoch {epoch}: {e.Message}");
        }
        catch (Exception e) when (TrainingFaults.IsOutOfMemory(e))
        {
            throw OutOfMemory(e, $"embedding the {splitName} split after epoch {epoch}", batchSize, device);
        }
    }

    private static TrainingOutOfMemoryException OutOfMemory(Exception e, string activity, int batchSize, Device device)
    {
        var smaller = Math.Max(2, batchSize / 2);
        return new TrainingOutOfMemoryException(
            $"Out of memory on {device} while {activity} with --bs {batchSize}: {TrainingFaults.FirstLine(e.Message)}. " +
            $"Try a smaller batch (e.g. --bs {smaller}, a multiple of --samples_per_class), a smaller --embed_dim or architecture, " +
            "or another --device.", e);
    }

    /// <summary>Buffers (batch-norm statistics) before a step, so that a skipped step leaves no trace in them either.</summary>
    private static List<(Tensor Buffer, Tensor Saved)> SnapshotBuffers(Architecture model, Criterion criterion) =>
        [.. model.buffers().Concat(criterion.buffers()).Select(b => (b, b.detach().clone()))];

    private static void RestoreBuffers(List<(Tensor Buffer, Tensor Saved)> buffers)
    {
        using var _ = no_grad();
        foreach (var (buffer, saved) in buffers)
        {
            buffer.copy_(saved);
        }
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

    /// <summary>
    /// As the original's evaluation does for every split it evaluates (Test, Val, Train): a storage metric that beats
    /// its best so far on that split writes <c>checkpoint_&lt;split&gt;_&lt;metric&gt;</c>. Test bests are keyed by the
    /// metric name alone, the other splits' by <c>split/metric</c>.
    /// </summary>
    private void StoreImprovements(RunFolder folder, string split, IReadOnlyDictionary<string, double> values, Dictionary<string, double> best,
        EvaluationOptions evaluation, IReadOnlyList<string> evaltypes, Architecture model, Criterion criterion, int epoch)
    {
        // As the original: every storage metric of every evaluated output keeps its own best checkpoint.
        foreach (var (evaltype, metric) in evaluation.StorageMetrics.SelectMany(m => evaltypes.Select(e => (e, m))))
        {
            var stored = Evaluator.Key(evaltype, metric);
            var key = split == "Test" ? stored : $"{split}/{stored}";
            if (!values.TryGetValue(stored, out var value) || (best.TryGetValue(key, out var previous) && value <= previous))
            {
                continue;
            }
            best[key] = value;
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (name, tensor) in model.state_dict())
            {
                tensors["model." + name] = tensor;
            }
            foreach (var (name, tensor) in criterion.state_dict())
            {
                tensors["criterion." + name] = tensor;
            }
            var file = Path.Combine(folder.Path, $"checkpoint_{split}_{stored.Replace('@', '_').Replace('/', '_')}.safetensors");
            SafeTensorsFile.Write(file, tensors, new Dictionary<string, string>
            {
                ["epoch"] = epoch.ToString(CultureInfo.InvariantCulture),
                ["metric"] = stored,
                ["value"] = value.ToString("R", CultureInfo.InvariantCulture),
            });
            logger.LogInformation("Stored checkpoint {File} ({Metric} = {Value})", file, stored, value);
        }
    }
}

/// <summary>The loss stopped being a finite number; the run stops rather than report results of a broken model.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
