using NirHost.Abstractions;

namespace NirHost.Plugins.Samplers;

internal static class SamplerChecks
{
    /// <summary>The original asserts these when it builds a sampler; fail as early, with the flags named.</summary>
    public static void Validate(SamplerData data, TrainingSetup setup)
    {
        if (setup.BatchSize < 2)
        {
            throw new ArgumentException($"--bs must be at least 2 (got {setup.BatchSize}).");
        }
        if (setup.SamplesPerClass < 1 || setup.BatchSize % setup.SamplesPerClass != 0)
        {
            throw new ArgumentException(
                $"--samples_per_class ({setup.SamplesPerClass}) must divide --bs ({setup.BatchSize}).");
        }
        if (data.Labels.Count < setup.BatchSize)
        {
            throw new ArgumentException(
                $"--bs ({setup.BatchSize}) is larger than the training split ({data.Labels.Count} samples): no batch fits.");
        }
    }
}
