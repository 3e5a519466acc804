using static TorchSharp.torch;

namespace NirHost.Tests.Support;

public static class TensorAssert
{
    /// <summary>
    /// Asserts max|actual - expected| &lt;= tolerance * max(1, max|expected|): a relative error measured
    /// against the tensor's scale, so entries near zero do not demand impossible precision.
    /// </summary>
    public static void Close(Tensor expected, Tensor actual, double tolerance, string what)
    {
        // Scalars are stored as [1] by some references and produced as [] here: compare values when counts agree.
        Assert.True(expected.numel() == actual.numel() && (expected.numel() == 1 || expected.shape.SequenceEqual(actual.shape)),
            $"{what}: shape [{string.Join(", ", actual.shape)}] differs from the reference [{string.Join(", ", expected.shape)}].");
        using var e = expected.to(float64).cpu().reshape(actual.shape);
        using var a = actual.detach().to(float64).cpu();
        var scale = Math.Max(1.0, e.abs().max().item<double>());
        var error = (a - e).abs().max().item<double>();
        Assert.True(error <= tolerance * scale,
            $"{what}: max abs error {error:E3} exceeds {tolerance:E1} x scale {scale:G4}.");
    }

    public static void Close(double expected, double actual, double tolerance, string what)
    {
        var scale = Math.Max(1.0, Math.Abs(expected));
        Assert.True(Math.Abs(actual - expected) <= tolerance * scale,
            $"{what}: expected {expected:R}, got {actual:R} (tolerance {tolerance:E1} x {scale:G4}).");
    }
}
