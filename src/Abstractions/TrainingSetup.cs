using TorchSharp;

namespace NirHost.Abstractions;

/// <summary>Facts about the run that most components need, fixed before any component is built.</summary>
public sealed record TrainingSetup
{
    public required int EmbedDim { get; init; }

    /// <summary>Number of training classes (the original's <c>opt.n_classes</c>); proxies are made per class.</summary>
    public required int NumClasses { get; init; }

    /// <summary>Base learning rate (<c>--lr</c>); components scale it for their own parameter groups.</summary>
    public required double LearningRate { get; init; }

    public required double WeightDecay { get; init; }

    public required int BatchSize { get; init; }

    public required int SamplesPerClass { get; init; }

    public required int Seed { get; init; }

    public required torch.Device Device { get; init; }

    /// <summary>Size of the penultimate (pooled) features of the architecture, once it is built.</summary>
    public int PenultimateDim { get; init; }

    /// <summary>
    /// The architecture as the user named it (<c>--arch</c>, suffixes included: <c>bninception_frozen_normalize</c>),
    /// for criteria that the original adjusts per backbone; empty when no architecture is part of the run.
    /// </summary>
    public string ArchitectureName { get; init; } = "";
}
