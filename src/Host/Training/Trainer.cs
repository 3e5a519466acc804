using Microsoft.Extensions.Logging;
using NirHost.Host.Composition;
using NirHost.Host.Options;
using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// Trains the configured run: seeds, builds the components, and drives a <see cref="TrainingRun"/> from its start to
/// its end, reporting to the run's observers (those registered as services, then the caller's).
/// </summary>
public sealed class Trainer(IServiceProvider services, RunConfiguration configuration, IEnumerable<IRunObserver> observers, ILogger<Trainer> logger)
{
    /// <summary>
    /// Trains the run. However it ends, its folder keeps what was written and <c>summary.json</c> says how it
    /// ended: completed, interrupted (Ctrl+C, SIGTERM), diverged (something not finite) or failed.
    /// </summary>
    public RunSummary Run(IRunObserver? observer = null, CancellationToken cancellation = default)
    {
        // Seed before any component exists, as the original calls set_seed before building the model.
        random.manual_seed(configuration.Get<OptimizationOptions>().Seed);
        var everyone = new RunObserverList(observer is null ? observers : [.. observers, observer]);
        using var run = new TrainingRun(RunComponents.Build(services), configuration, everyone, logger);
        try
        {
            run.Start();
            run.Train(cancellation);
        }
        catch (Exception e) when (run.HasFolder)
        {
            run.End(e);
            throw;
        }
        return run.End(null);
    }
}

/// <summary>The loss stopped being a finite number; the run stops rather than report results of a broken model.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
