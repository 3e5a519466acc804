using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Tests.Support;

public static class TestSetups
{
    public static TrainingSetup Create(int embedDim = 16, int numClasses = 4, int batchSize = 8, int samplesPerClass = 2, double lr = 1e-3) => new()
    {
        EmbedDim = embedDim,
        NumClasses = numClasses,
        LearningRate = lr,
        WeightDecay = 0,
        BatchSize = batchSize,
        SamplesPerClass = samplesPerClass,
        Seed = 0,
        Device = CPU,
    };
}
