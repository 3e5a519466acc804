using NirHost.Host.Composition;
using NirHost.Evaluation;
using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// Calls into plugin components on the trainer's behalf, so that a failure names the component, its kind and its
/// assembly (<see cref="ComponentFactory.Blame"/>), and a failed native allocation says what to try instead.
/// </summary>
internal sealed class ComponentCalls(ComponentFactory factory)
{
    public T Run<T>(object component, string activity, Func<T> call)
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

    public void Run(object component, string activity, Action call) =>
        Run(component, activity, () =>
        {
            call();
            return 0;
        });

    public static TrainingOutOfMemoryException OutOfMemory(Exception e, string activity, int batchSize, Device device)
    {
        var smaller = Math.Max(2, batchSize / 2);
        return new TrainingOutOfMemoryException(
            $"Out of memory on {device} while {activity} with --bs {batchSize}: {TrainingFaults.FirstLine(e.Message)}. " +
            $"Try a smaller batch (e.g. --bs {smaller}, a multiple of --samples_per_class), a smaller --embed_dim or architecture, " +
            "or another --device.", e);
    }
}
