using static TorchSharp.torch;

namespace NirHost.Plugins.Criteria.Shared;

/// <summary>Same-class and other-class masks over a batch's labels.</summary>
public static class LabelMasks
{
    /// <summary>[B, B]: true where the two samples share a class (the diagonal included).</summary>
    public static Tensor Same(Tensor labels) => labels.unsqueeze(1).eq(labels.unsqueeze(0));

    /// <summary>[B, B]: true where the two samples differ in class.</summary>
    public static Tensor Different(Tensor labels) => labels.unsqueeze(1).ne(labels.unsqueeze(0));

    /// <summary>[B, B]: same class, the sample itself excluded.</summary>
    public static Tensor SameExcludingSelf(Tensor labels)
    {
        using var scope = NewDisposeScope();
        var diagonal = eye(labels.shape[0], dtype: ScalarType.Bool, device: labels.device);
        return Same(labels).logical_and(diagonal.logical_not()).MoveToOuterDisposeScope();
    }
}
