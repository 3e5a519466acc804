using Microsoft.Extensions.Logging;
using NirHost.Abstractions;
using NirHost.Host.Composition;
using NirHost.Evaluation;
using NirHost.Host.Evaluation;
using NirHost.Host.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// One training run of the original's <c>main.py</c>, in named steps: <see cref="Start"/> (a new run folder, or the
/// resumption of an earlier run), <see cref="TrainEpoch"/> with its <see cref="Step"/>s, <see cref="EvaluateSplits"/>,
/// <see cref="FinishEpoch"/> (logs, summary, checkpoint) and <see cref="End"/>. What it does is reported to an
/// <see cref="IRunObserver"/>; how that looks on a console or in a log is the observers' business.
/// </summary>
internal sealed class TrainingRun : IDisposable
{
    private readonly RunComponents _components;
    private readonly RunConfiguration _configuration;
    private readonly IRunObserver _observer;
    private readonly ILogger _logger;
    private readonly ComponentCalls _calls;
    private readonly NonFiniteGuard _guard;
    private readonly IReadOnlyList<ParameterGroup> _groups;
    private readonly OptimizerHelper _optimizer;
    private readonly LearningRateSchedule _schedule;
    private readonly ImprovementCheckpoints _improvements;
    private readonly OptimizationOptions _optimization;
    private readonly NonFiniteOptions _nonFinite;
    private readonly IReadOnlyList<Parameter> _trained;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private RunFolder? _folder;
    private RunSummary _summary = new();
    private double _previousWallTime;
    private int _startEpoch;
    private InterruptedEpoch? _interrupted;
    private RollbackPoint? _rollbackPoint;
    private int _consecutiveSkips;

    public TrainingRun(RunComponents components, RunConfiguration configuration, IRunObserver observer, ILogger logger)
    {
        _components = components;
        _configuration = configuration;
        _observer = observer;
        _logger = logger;
        _optimization = configuration.Get<OptimizationOptions>();
        _nonFinite = configuration.Get<NonFiniteOptions>();
        _calls = new ComponentCalls(components.Factory);
        var (model, criterion) = (components.Model, components.Criterion);
        _guard = new NonFiniteGuard(model, criterion, components.CriterionDescriptor.Name, configuration.Get<ComponentSelectionOptions>().Arch);
        model.to(components.Setup.Device);
        criterion.to(components.Setup.Device);
        _groups = [.. ModelGroups(model, _optimization),
            .. _calls.Run(criterion, "listing its parameter groups", () => criterion.ParameterGroups(components.Setup).ToList())];
        _trained = [.. _groups.SelectMany(g => g.Parameters)];
        _optimizer = OptimizerFactory.Create(_optimization.Optim, _groups);
        _schedule = new LearningRateSchedule(_optimizer, _optimization.Scheduler, _optimization.Tau, _optimization.Gamma);
        _improvements = new ImprovementCheckpoints(configuration.Get<EvaluationOptions>(), components.Evaluator.Evaltypes, logger);
    }

    /// <summary>Whether the run folder exists, so that how the run ends can be recorded in it.</summary>
    public bool HasFolder => _folder is not null;

    private RunFolder Folder => _folder ?? throw new InvalidOperationException("The run has not started.");

    private Device Device => _components.Setup.Device;

    /// <summary>Creates the run folder, or reopens the resumed run's folder with its checkpoint loaded, and says so.</summary>
    public void Start()
    {
        var run = _configuration.Get<RunOptions>();
        if (run.Resume.Length > 0)
        {
            Resume(run.Resume);
        }
        else
        {
            var data = _configuration.Get<DataOptions>();
            var selection = _configuration.Get<ComponentSelectionOptions>();
            _folder = RunFolder.Create(run.SavePath, data.Dataset, RunFolder.RunName(run, data.Dataset, selection.Arch, _optimization.Seed, DateTime.Now));
            _folder.WriteParameters(_configuration.EffectiveFlags(), _configuration.Command(), _configuration.ArgumentList());
            _summary = new RunSummary { RunFolder = _folder.Path };
        }
        _summary.Status = RunStatus.Running;
        _summary.Error = null;
        WriteSummary();
        _observer.RunStarted(new RunStarted(Folder, _optimization.NEpochs,
            run.Resume.Length > 0 ? (_startEpoch, _interrupted?.Progress.StepsDone ?? 0) : null, Describe()));
        _logger.LogInformation("Training {Loss} on {Dataset} for {Epochs} epochs in {Folder}",
            _configuration.Get<ComponentSelectionOptions>().Loss, _configuration.Get<DataOptions>().Dataset, _optimization.NEpochs, Folder.Path);
    }

    private void Resume(string folder)
    {
        var (model, criterion) = (_components.Model, _components.Criterion);
        var restored = TrainingCheckpoint.Restore(folder, model, criterion, _optimizer, _observer.Notice);
        var state = restored?.State;
        if (restored is { Extras: var extras })
        {
            try
            {
                RestoreComponentState(_components.Sampler, "sampler.", extras, restored.Value.Source);
                RestoreComponentState(_components.Miner, "miner.", extras, restored.Value.Source);
                _interrupted = state!.InEpoch is { } progress ? InterruptedEpoch.From(progress, extras, restored.Value.Source) : null;
                if (state.InEpoch?.Rollback is { } position)
                {
                    _rollbackPoint = RollbackPoint.From(position, extras, restored.Value.Source);
                }
            }
            finally
            {
                foreach (var tensor in extras.Values)
                {
                    tensor.Dispose();
                }
            }
        }
        _folder = RunFolder.Open(folder, state?.CsvRows ?? new Dictionary<string, int>());
        _summary = state?.Summary ?? new RunSummary();
        _summary.RunFolder = _folder.Path;
        _improvements.Best = state?.BestStorageMetrics ?? new Dictionary<string, double>(StringComparer.Ordinal);
        _startEpoch = state?.CompletedEpochs ?? 0;
        _previousWallTime = _summary.WallTimeSeconds;
        if (state is not null)
        {
            ResumeSchedule(state);
        }
        _summary.ResumedAtEpochs.Add(_startEpoch);
        _logger.LogInformation("Resuming {Folder} at epoch {Epoch}, step {Step}", _folder.Path, _startEpoch, _interrupted?.Progress.StepsDone ?? 0);
    }

    private RunDescription Describe()
    {
        var selection = _configuration.Get<ComponentSelectionOptions>();
        var splits = _components.Splits;
        return new RunDescription(_configuration.Get<DataOptions>().Dataset, splits.Training.Count, splits.Testing.Count, selection.Loss,
            _components.Miner is null ? null : selection.BatchMining, selection.Arch,
            _components.Model.parameters().Where(p => p.requires_grad).Sum(p => p.numel()), Device.ToString());
    }

    /// <summary>Trains the remaining epochs; an interruption between steps saves the epoch's progress and stops.</summary>
    public void Train(CancellationToken cancellation)
    {
        for (var epoch = _startEpoch; epoch < _optimization.NEpochs; epoch++)
        {
            // An epoch interrupted after some of its steps continues where it stopped, with the generators' states then.
            var continued = epoch == _startEpoch ? _interrupted : null;
            if (cancellation.IsCancellationRequested)
            {
                throw Interrupted(epoch, continued?.Progress.StepsDone ?? 0);
            }
            var state = BeginEpoch(epoch, continued);
            if (!TrainEpoch(state, cancellation))
            {
                if (state.Step > 0)
                {
                    WriteCheckpoint(epoch, Interruption(state));
                }
                throw Interrupted(epoch, state.Step);
            }
            FinishEpoch(state, EvaluateSplits(state));
        }
    }

    /// <summary>Reseeds as the original does every epoch, and draws the epoch's batches (or takes an interrupted epoch's).</summary>
    private EpochState BeginEpoch(int epoch, InterruptedEpoch? continued)
    {
        var seed = _optimization.NEpochs * _optimization.Seed + epoch;
        random.manual_seed(seed);
        var rates = _groups.Zip(_optimizer.ParamGroups, (group, live) => (group.Name, live.LearningRate)).ToList();
        var state = new EpochState(epoch, seed, epoch < _optimization.Warmup, rates);
        _logger.LogInformation("Epoch {Epoch}: learning rates {Rates}", epoch, string.Join(" | ", rates.Select(r => r.LearningRate)));
        _components.Model.train();
        _components.Criterion.train();
        if (continued is null)
        {
            // A rollback point belongs to its epoch: going back past an epoch's end would unsay its logs and checkpoint.
            _rollbackPoint?.Dispose();
            _rollbackPoint = null;
            _consecutiveSkips = 0;
            (_components.Sampler as IStorageBatchSampler)?.BeginEpoch(epoch, new TrainingSetEmbedding(_components.Model, _components.Splits,
                _optimization.Bs, Device, _observer).Embed);
            // The epoch's batches and their augmentation seeds are drawn up front, so that loading ahead on
            // worker threads cannot change what the criterion later draws from the same generator.
            state.Batches = _calls.Run(_components.Sampler, "composing the batches of epoch " + epoch, () => _components.Sampler.Batches(state.Random).ToList());
            state.AugmentationSeeds = [.. state.Batches.Select(_ => state.Random.Next())];
        }
        else
        {
            (state.Batches, state.AugmentationSeeds, state.Step) = (continued.Batches, continued.Seeds, continued.Progress.StepsDone);
            state.Losses = [.. continued.Progress.Losses];
            state.EarlierSeconds = continued.Progress.ElapsedSeconds;
            _consecutiveSkips = continued.Progress.ConsecutiveSkips;
            state.Random.RestoreState(continued.Progress.RandomState);
            using var libtorchState = tensor(continued.LibtorchRandomState, dtype: ScalarType.Byte);
            random.set_rng_state(libtorchState);
        }
        _observer.EpochStarted(new EpochStarted(epoch, state.Batches.Count, state.Step, state.Warmup, [.. rates.Select(r => r.LearningRate)]));
        return state;
    }

    /// <summary>Runs the epoch's remaining steps; false when a stop was asked for before they were all done.</summary>
    private bool TrainEpoch(EpochState state, CancellationToken cancellation)
    {
        try
        {
            bool? finished;
            do
            {
                finished = TrainSteps(state, cancellation);
            }
            while (finished is null);
            return finished.Value;
        }
        finally
        {
            _observer.StepsEnded(new EpochStepsEnded(state.Epoch, state.Step, state.Batches.Count));
        }
    }

    /// <summary>
    /// Runs steps from <see cref="EpochState.Step"/> on: true when the epoch's steps are done, false when a stop was asked
    /// for, null after a rollback (the caller continues from the restored step, with a loader that starts there).
    /// </summary>
    private bool? TrainSteps(EpochState state, CancellationToken cancellation)
    {
        using var loader = new BatchLoader(_components.Splits.Training, state.Batches[state.Step..], state.AugmentationSeeds[state.Step..],
            _configuration.Get<DataOptions>().Kernels);
        using var batches = loader.Batches().GetEnumerator();
        while (true)
        {
            // Ctrl+C lets the step in flight finish; the run stops between steps with everything saved.
            if (cancellation.IsCancellationRequested)
            {
                return false;
            }
            if (!_calls.Run(_components.Dataset, $"loading the training batch at epoch {state.Epoch}, step {state.Step}", batches.MoveNext))
            {
                return true;
            }
            KeepRollbackPoint(state);
            var (indices, input) = batches.Current;
            string? rollback;
            using (input)
            {
                rollback = Step(state, indices, input);
            }
            if (rollback is not null)
            {
                RollBack(state, rollback);
                return null;
            }
            state.Step++;
            _observer.StepCompleted(new StepCompleted(state.Epoch, state.Step, state.Batches.Count, state.Warmup, state.MeanLoss));
        }
    }

    /// <summary>
    /// With <c>--on_nonfinite rollback</c>: a copy of the state before every <c>--rollback_every</c>-th step of an epoch, and
    /// before the first step of a resumed run that had none (one that switched to rollback on --resume).
    /// </summary>
    private void KeepRollbackPoint(EpochState state)
    {
        if (_nonFinite.OnNonfinite != NonFiniteOptions.Rollback || _rollbackPoint?.Step == state.Step
            || (state.Step % _nonFinite.RollbackEvery != 0 && _rollbackPoint is not null))
        {
            return;
        }
        _rollbackPoint?.Dispose();
        _rollbackPoint = null;
        _rollbackPoint = RollbackPoint.Take(state, _components, _optimizer);
    }

    /// <summary>
    /// Goes back to the last good state after step <see cref="EpochState.Step"/> was not finite and lowers every learning
    /// rate by <c>--rollback_lr_factor</c>, so that the steps run again take smaller updates; past <c>--max_rollbacks</c> the run stops.
    /// </summary>
    private void RollBack(EpochState state, string problem)
    {
        if (_summary.Rollbacks >= _nonFinite.MaxRollbacks || _rollbackPoint is null)
        {
            throw new TrainingDivergedException($"{problem} The run stops here: it already rolled back {_summary.Rollbacks} time(s), " +
                $"the most --max_rollbacks allows; the checkpoints and logs written before this epoch stay. A lower --lr, a smaller " +
                "--rollback_lr_factor or, for NIR, --loss_nir_safe_flow may help.");
        }
        var failed = state.Step;
        _rollbackPoint.Restore(state, _components, _optimizer);
        foreach (var group in _optimizer.ParamGroups)
        {
            group.LearningRate *= _nonFinite.RollbackLrFactor;
        }
        _summary.Rollbacks++;
        _summary.LearningRateScale *= _nonFinite.RollbackLrFactor;
        var rates = _optimizer.ParamGroups.Select(g => g.LearningRate).ToList();
        state.LearningRates = [.. state.LearningRates.Zip(rates, (group, rate) => (group.Group, rate))];
        _logger.LogWarning("Rolled back from step {Failed} to step {Step} of epoch {Epoch} (rollback {Count} of at most {Max}); learning rates now {Rates}: {Problem}",
            failed, state.Step, state.Epoch, _summary.Rollbacks, _nonFinite.MaxRollbacks, string.Join(" | ", rates), problem);
        _observer.RolledBack(new RolledBack(state.Epoch, failed, state.Step, _summary.Rollbacks, rates, problem));
    }

    /// <summary>
    /// One update: embed, compute the loss, back-propagate, check that everything is finite, clip the gradients
    /// (<c>--grad_clip</c>), step the optimizer. With <c>--on_nonfinite skip</c> a non-finite step leaves no trace,
    /// batch-norm statistics included; with <c>--on_nonfinite rollback</c> it returns what was not finite.
    /// </summary>
    /// <returns>Null, or with <c>--on_nonfinite rollback</c> the description of what was not finite.</returns>
    private string? Step(EpochState state, int[] indices, Tensor cpuInput)
    {
        var (model, criterion) = (_components.Model, _components.Criterion);
        var where = $"at epoch {state.Epoch}, step {state.Step}";
        using var scope = NewDisposeScope();
        try
        {
            _optimizer.zero_grad();
            var skip = _nonFinite.OnNonfinite == NonFiniteOptions.Skip;
            var buffers = skip ? SnapshotBuffers() : null;
            var input = cpuInput.to(Device);
            var labels = tensor(indices.Select(i => (long)_components.Splits.Training.Labels[i]).ToArray(), device: Device);
            var output = _calls.Run(model, $"embedding the training batch {where}", () => model.Forward(input, state.Warmup));
            var loss = _calls.Run(criterion, $"computing the loss {where}", () => criterion.forward(new CriterionBatch(output.Embeddings, labels)
            {
                PooledFeatures = output.PooledFeatures,
                FeatureMaps = output.FeatureMaps,
                Epoch = state.Epoch,
                Random = state.Random,
            }));
            _calls.Run(criterion, $"back-propagating the loss {where}", () => loss.backward());
            var (value, problem) = _guard.Check(loss, output.Embeddings, state.Epoch, state.Step);
            if (problem is null)
            {
                if (_optimization.GradClip > 0)
                {
                    nn.utils.clip_grad_norm_(_trained, _optimization.GradClip);
                }
                _optimizer.step();
                state.Losses.Add(value);
                (_components.Sampler as IStorageBatchSampler)?.Observe(indices, output.Embeddings.detach());
                _consecutiveSkips = 0;
                return null;
            }
            if (skip)
            {
                _optimizer.zero_grad();
                RestoreBuffers(buffers!);
                _summary.SkippedSteps++;
                _consecutiveSkips++;
                _logger.LogWarning("Skipped the update of step {Step} in epoch {Epoch} (--on_nonfinite skip, {Count} in a row): {Problem}",
                    state.Step, state.Epoch, _consecutiveSkips, problem);
                _observer.StepSkipped(new StepSkipped(state.Epoch, state.Step, problem, _consecutiveSkips));
                if (_consecutiveSkips >= _nonFinite.MaxConsecutiveSkips)
                {
                    throw new TrainingDivergedException($"{problem} The run stops here: {_consecutiveSkips} steps in a row were not finite and skipped " +
                        "(--max_consecutive_skips), so the model no longer recovers by skipping; the checkpoints and logs written before this epoch stay. " +
                        "--on_nonfinite rollback, a lower --lr or, for NIR, --loss_nir_safe_flow may help.");
                }
                return null;
            }
            if (_nonFinite.OnNonfinite == NonFiniteOptions.Rollback)
            {
                return problem;
            }
            throw new TrainingDivergedException(problem + " The run stops here, keeping the checkpoints and logs written before this step; " +
                "a lower --lr, --on_nonfinite rollback (or skip) or, for NIR, --loss_nir_safe_flow may help.");
        }
        catch (Exception e) when (TrainingFaults.IsOutOfMemory(e))
        {
            throw ComponentCalls.OutOfMemory(e, $"training {where}", _optimization.Bs, Device);
        }
    }

    /// <summary>
    /// Scores every evaluated split (Test, Val with <c>--use_tv_split</c>, Train unless <c>--no_train_metrics</c>), records
    /// each in the summary, reports it, and stores improved checkpoints. The test split also draws the sample retrieval figure and
    /// keeps its embeddings (<see cref="TestEmbeddingsFile"/>). For a dataset with query and gallery splits (In-Shop), the Test
    /// evaluation is the queries searched against the gallery, as the benchmark defines it; logs, CSVs, checkpoints by metric
    /// and reports take it as the test split's results.
    /// </summary>
    private Dictionary<string, IReadOnlyDictionary<string, double>> EvaluateSplits(EpochState state)
    {
        var evaluation = _configuration.Get<EvaluationOptions>();
        var splits = _components.Splits;
        var evaluated = new List<(string Log, string Name, IDataSplit Split)>();
        if (!evaluation.NoTestMetrics)
        {
            evaluated.Add(("Test", "test", splits.Testing));
        }
        if (splits.Validation is { } validation)
        {
            evaluated.Add(("Val", "validation", validation));
        }
        if (!evaluation.NoTrainMetrics)
        {
            evaluated.Add(("Train", "training", splits.Evaluation));
        }
        var results = new Dictionary<string, IReadOnlyDictionary<string, double>>(StringComparer.Ordinal);
        foreach (var (log, name, split) in evaluated)
        {
            // The sample retrieval figure reuses the test split's neighbour search; the embeddings are kept for the report.
            var figure = log == "Test"
                ? data => WriteTestOutputs(data, split, state)
                : (Action<EvaluationData>?)null;
            var values = log == "Test" && splits.Query is { } query && splits.Gallery is { } gallery
                ? EvaluateQueryGallery(query, gallery, state)
                : Evaluate(split, name, state.Epoch, figure is null ? null : RetrievalFigure.Needs, figure);
            results[log] = values;
            _summary.Record(log, state.Epoch, values);
            _observer.SplitEvaluated(new SplitEvaluated(state.Epoch, log, values));
            _improvements.Consider(Folder, log, values, _components.Model, _components.Criterion, state.Epoch);
        }
        return results;
    }

    /// <summary>
    /// The retrieval figure and the last test embeddings serve the eye and the report, not the results: a failed write
    /// (say, an image viewer holding the file on Windows past the rename's retries) is a warning, and training goes on.
    /// </summary>
    private void WriteTestOutputs(EvaluationData data, IDataSplit split, EpochState state)
    {
        try
        {
            RetrievalFigure.Write(Path.Combine(Folder.Path, RetrievalFigure.FileName), data, split, state.Seed);
        }
        catch (IOException e)
        {
            _logger.LogWarning("The retrieval figure of epoch {Epoch} was not written; training goes on. {Reason}", state.Epoch, e.Message);
        }
        try
        {
            TestEmbeddingsFile.Write(Path.Combine(Folder.Path, TestEmbeddingsFile.FileName), data, state.Epoch);
        }
        catch (IOException e)
        {
            _logger.LogWarning("The test embeddings of epoch {Epoch} were not written; training goes on. {Reason}", state.Epoch, e.Message);
        }
    }

    /// <summary>The queries against the gallery, with the retrieval figure and the embeddings of both (<see cref="TestEmbeddingsFile"/>).</summary>
    private Dictionary<string, double> EvaluateQueryGallery(IDataSplit query, IDataSplit gallery, EpochState state)
    {
        using var scope = NewDisposeScope();
        try
        {
            return _calls.Run(_components.Model, $"evaluating the queries against the gallery after epoch {state.Epoch}",
                () => _components.Evaluator.EvaluateQueryGallery(_components.Model, query, gallery, _optimization.Bs, Device,
                    extraNeeds: RetrievalFigure.Needs, inspect: data => WriteQueryGalleryOutputs(data, query, gallery, state)));
        }
        catch (NonFiniteEmbeddingsException e)
        {
            throw new TrainingDivergedException($"Evaluation of the queries against the gallery after epoch {state.Epoch}: {e.Message}");
        }
        catch (Exception e) when (TrainingFaults.IsOutOfMemory(e))
        {
            throw ComponentCalls.OutOfMemory(e, $"embedding the query and gallery splits after epoch {state.Epoch}", _optimization.Bs, Device);
        }
    }

    /// <summary>As <see cref="WriteTestOutputs"/>: a failed write is a warning.</summary>
    private void WriteQueryGalleryOutputs(QueryGalleryEvaluationData data, IDataSplit query, IDataSplit gallery, EpochState state)
    {
        try
        {
            RetrievalFigure.Write(Path.Combine(Folder.Path, RetrievalFigure.FileName), data, query, gallery, state.Seed);
        }
        catch (IOException e)
        {
            _logger.LogWarning("The retrieval figure of epoch {Epoch} was not written; training goes on. {Reason}", state.Epoch, e.Message);
        }
        try
        {
            TestEmbeddingsFile.Write(Path.Combine(Folder.Path, TestEmbeddingsFile.FileName), data, state.Epoch);
        }
        catch (IOException e)
        {
            _logger.LogWarning("The query and gallery embeddings of epoch {Epoch} were not written; training goes on. {Reason}", state.Epoch, e.Message);
        }
    }

    private Dictionary<string, double> Evaluate(IDataSplit split, string name, int epoch, EvaluationNeeds? extraNeeds, Action<EvaluationData>? inspect)
    {
        // Metrics and datasets are plugin code: whatever tensors they leave behind are freed with the evaluation, not
        // by a finalizer some epochs later, so that a long run's memory stays flat.
        using var scope = NewDisposeScope();
        try
        {
            return _calls.Run(_components.Model, $"evaluating the {name} split after epoch {epoch}",
                () => _components.Evaluator.Evaluate(_components.Model, split, _optimization.Bs, Device, extraNeeds: extraNeeds, inspect: inspect));
        }
        catch (NonFiniteEmbeddingsException e)
        {
            throw new TrainingDivergedException($"Evaluation of the {name} split after epoch {epoch}: {e.Message}");
        }
        catch (Exception e) when (TrainingFaults.IsOutOfMemory(e))
        {
            throw ComponentCalls.OutOfMemory(e, $"embedding the {name} split after epoch {epoch}", _optimization.Bs, Device);
        }
    }

    /// <summary>
    /// Ends an epoch: the schedule steps, the observers log it, then the summary and, last, the checkpoint are written,
    /// so that a checkpoint never claims an epoch whose logs are missing.
    /// </summary>
    private void FinishEpoch(EpochState state, IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> results)
    {
        _summary.TrainLoss.Add(state.MeanLoss);
        _summary.RecordLearningRates(state.LearningRates);
        _schedule.Step();
        _observer.EpochCompleted(new EpochCompleted(state.Epoch, state.Warmup, state.MeanLoss, state.Seconds, state.LearningRates, results));
        _summary.Epochs = state.Epoch + 1;
        WriteSummary();
        WriteCheckpoint(state.Epoch + 1, null);
        ProcessMemory.ReleaseAfterEpoch();
        LogMemory(state.Epoch);
    }

    /// <summary>With <c>--debug</c>: what the process holds after each epoch, to see whether anything grows over a long run.</summary>
    private void LogMemory(int epoch)
    {
        if (!_logger.IsEnabled(LogLevel.Debug))
        {
            return;
        }
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        _logger.LogDebug("Memory after epoch {Epoch}: resident {Resident:0.0} MB, managed heap {Managed:0.0} MB, {Tensors} live tensors ({Statistics})",
            epoch, process.WorkingSet64 / 1048576.0, GC.GetTotalMemory(forceFullCollection: false) / 1048576.0, TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount,
            TorchSharp.DisposeScopeManager.Statistics);
    }

    /// <summary>Everything the rest of an interrupted epoch depends on, so that --resume continues with the next step.</summary>
    private InterruptedEpoch Interruption(EpochState state)
    {
        using var libtorchRandom = random.get_rng_state();
        return new InterruptedEpoch(new EpochProgress
        {
            StepsDone = state.Step,
            Losses = state.Losses,
            RandomState = state.Random.SaveState(),
            ElapsedSeconds = Math.Round(state.Seconds, 4),
            ConsecutiveSkips = _consecutiveSkips,
            Rollback = _rollbackPoint?.Position,
        }, state.Batches, state.AugmentationSeeds, libtorchRandom.data<byte>().ToArray());
    }

    /// <summary>
    /// Writes <c>checkpoint_last</c>: at the end of an epoch (<paramref name="interrupted"/> null, <paramref name="completedEpochs"/>
    /// done), or inside epoch <paramref name="completedEpochs"/> after an interruption, with what its remaining steps need.
    /// </summary>
    private void WriteCheckpoint(int completedEpochs, InterruptedEpoch? interrupted)
    {
        using var scope = NewDisposeScope();
        var extras = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (prefix, component) in new (string, object?)[] { ("sampler.", _components.Sampler), ("miner.", _components.Miner) })
        {
            if (component is IResumableState stateful)
            {
                foreach (var (name, tensor) in stateful.SaveState())
                {
                    extras[prefix + name] = tensor;
                }
            }
        }
        foreach (var (name, tensor) in interrupted?.Tensors() ?? [])
        {
            extras[name] = tensor;
        }
        if (interrupted?.Progress.Rollback is not null)
        {
            foreach (var (name, tensor) in _rollbackPoint!.Tensors())
            {
                extras[name] = tensor;
            }
        }
        var path = TrainingCheckpoint.Save(Folder.Path, _components.Model, _components.Criterion, _optimizer, new CheckpointState
        {
            CompletedEpochs = completedEpochs,
            Optimizer = _optimization.Optim,
            Scheduler = _optimization.Scheduler,
            LearningRates = [.. _optimizer.ParamGroups.Select(g => g.LearningRate)],
            BestStorageMetrics = _improvements.Best,
            CsvRows = new Dictionary<string, int>(Folder.CsvRows),
            Summary = _summary,
            InEpoch = interrupted?.Progress,
        }, extras);
        _observer.CheckpointWritten(new CheckpointWritten(path, completedEpochs, interrupted?.Progress.StepsDone));
    }

    /// <summary>
    /// Records how the run ended in <c>summary.json</c> and tells the observers. A failure to write the summary of a
    /// run that already failed is logged, not thrown: the run's own error is the one to report.
    /// </summary>
    public RunSummary End(Exception? error)
    {
        _summary.Status = error switch
        {
            null => RunStatus.Completed,
            TrainingInterruptedException => RunStatus.Interrupted,
            TrainingDivergedException => RunStatus.Diverged,
            _ => RunStatus.Failed,
        };
        _summary.Error = error is null ? null : TrainingFaults.FirstLine(error.Message);
        try
        {
            WriteSummary();
        }
        catch (IOException writeError) when (error is not null)
        {
            _logger.LogWarning("Could not record the run's end in summary.json: {Error}", writeError.Message);
        }
        _observer.RunEnded(new RunEnded(_summary, _summary.Status, error));
        return _summary;
    }

    private void WriteSummary()
    {
        _summary.WallTimeSeconds = Math.Round(_previousWallTime + _clock.Elapsed.TotalSeconds, 3);
        Folder.WriteAtomically("summary.json", _summary.ToJson());
    }

    private TrainingInterruptedException Interrupted(int epoch, int step)
    {
        var message = step == 0
            ? $"Interrupted before epoch {epoch}. {_summary.Epochs} completed epoch(s) are saved; nirhost --resume {Folder.Path} continues at epoch {epoch}."
            : $"Interrupted in epoch {epoch} after step {step}. {_summary.Epochs} completed epoch(s) and {step} step(s) of epoch {epoch} are saved; " +
              $"nirhost --resume {Folder.Path} continues at epoch {epoch}, step {step}.";
        _logger.LogWarning("{Message}", message);
        return new TrainingInterruptedException(message);
    }

    private void RestoreComponentState(object? component, string prefix, IReadOnlyDictionary<string, Tensor> saved, string source)
    {
        var state = saved.Where(pair => pair.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(pair => pair.Key[prefix.Length..], pair => pair.Value, StringComparer.Ordinal);
        if (component is IResumableState stateful)
        {
            _calls.Run(component, "restoring its state from " + source, () => stateful.RestoreState(state));
        }
        else if (state.Count > 0)
        {
            throw new InvalidDataException(
                $"{source} holds {prefix.TrimEnd('.')} state ({string.Join(", ", state.Keys.Take(5))}) that this run's {prefix.TrimEnd('.')} does not keep.");
        }
    }

    /// <summary>Buffers (batch-norm statistics) before a step, so that a skipped step leaves no trace in them either.</summary>
    private List<(Tensor Buffer, Tensor Saved)> SnapshotBuffers() =>
        [.. _components.Model.buffers().Concat(_components.Criterion.buffers()).Select(b => (b, b.detach().clone()))];

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
    private void ResumeSchedule(CheckpointState state)
    {
        _schedule.FastForward(state.CompletedEpochs);
        var scale = state.Summary.LearningRateScale;
        var rates = _optimizer.ParamGroups.Select(g => g.LearningRate * scale).ToList();
        if (rates.Count != state.LearningRates.Count
            || rates.Zip(state.LearningRates).Any(pair => Math.Abs(pair.First - pair.Second) > 1e-12 * Math.Max(1, Math.Abs(pair.Second))))
        {
            throw new InvalidDataException(
                $"The checkpoint's learning rates ({string.Join(", ", state.LearningRates)}) differ from the rebuilt schedule's ({string.Join(", ", rates)}).");
        }
        // The recorded rates themselves: rollbacks scaled the rates between schedule steps, and the order of those
        // multiplications can change the last bit, which the continued run must not.
        foreach (var (group, rate) in _optimizer.ParamGroups.Zip(state.LearningRates))
        {
            group.LearningRate = rate;
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

    public void Dispose()
    {
        _rollbackPoint?.Dispose();
        _optimizer.Dispose();
        _components.Criterion.Dispose();
        _components.Model.Dispose();
    }
}
