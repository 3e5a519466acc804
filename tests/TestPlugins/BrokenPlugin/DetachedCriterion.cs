using NirHost.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.TestPlugins.Broken;

/// <summary>
/// Deliberately broken, for the conformance kit's tests: its loss is computed from detached embeddings, so no
/// gradient reaches them, and its option has no help text.
/// </summary>
[Criterion("detached", Options = typeof(DetachedOptions))]
public sealed class DetachedCriterion : Criterion
{
    private readonly TorchSharp.Modules.Parameter scale;

    public DetachedCriterion(DetachedOptions options) : base("detached")
    {
        scale = nn.Parameter(tensor(options.Scale));
        RegisterComponents();
    }

    public override Tensor forward(CriterionBatch batch) =>
        batch.Embeddings.detach().square().sum(1).mean() * scale.to(batch.Embeddings.dtype);
}

public sealed class DetachedOptions
{
    [Flag("detached_scale")]
    public float Scale { get; set; } = 1f;
}
