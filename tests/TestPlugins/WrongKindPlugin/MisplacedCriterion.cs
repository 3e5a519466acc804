using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.TestPlugins.WrongKind;

/// <summary>A criterion that the tests install under Metrics/, where it must be rejected.</summary>
[Criterion("misplaced")]
public sealed class MisplacedCriterion() : Criterion("misplaced")
{
    public override Tensor forward(CriterionBatch batch) => batch.Embeddings.sum();
}
