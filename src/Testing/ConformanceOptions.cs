using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Testing;

/// <summary>How the conformance kit exercises components. The defaults need nothing but the component itself.</summary>
public sealed class ConformanceOptions
{
    /// <summary>The device components are built for and run on.</summary>
    public Device Device { get; init; } = CPU;

    /// <summary>Floating-point types a criterion must work in.</summary>
    public IReadOnlyList<ScalarType> CriterionTypes { get; init; } = [ScalarType.Float32, ScalarType.Float64];

    /// <summary>
    /// Supplies, before the kit's own, the services a component may ask for (<see cref="ComponentActivator.IsService"/>):
    /// an options instance bound from flags, say. Return null to fall back to the kit (options at their defaults).
    /// </summary>
    public Func<Type, object?>? Services { get; init; }

    /// <summary>Builds the evaluation data metrics are computed on; the kit's exact nearest-neighbour search by default.</summary>
    public Func<Tensor, int[], int, IEvaluationData>? EvaluationData { get; init; }

    /// <summary>
    /// Criteria that a criterion composing others (it asks for an <see cref="ICriterionFactory"/>) may build by name,
    /// besides those in its own assembly: say the criteria of another plugin it builds on.
    /// </summary>
    public IReadOnlyList<Type> ComposableCriteria { get; init; } = [];

    /// <summary>
    /// The architecture input datasets are built for (<see cref="InputContract"/>); the default is what the host gives
    /// for most architectures.
    /// </summary>
    public InputContract Input { get; init; } = InputContract.ImageNet;

    /// <summary>Side of the square images an architecture is run on, when its declared input takes any size.</summary>
    public int ImageSize { get; init; } = 32;
}
