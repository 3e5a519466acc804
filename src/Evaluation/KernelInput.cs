using static TorchSharp.torch;

namespace NirHost.Evaluation;

/// <summary>What the managed evaluation kernels (<see cref="NeighbourSearch"/>, <see cref="KMeans"/>) take from libtorch.</summary>
internal static class KernelInput
{
    /// <summary>A float32 copy of the tensor's values, row-major; the caller's tensor is left as it is and no temporary outlives the call.</summary>
    public static float[] Floats(Tensor tensor)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return tensor.detach().to(float32).cpu().contiguous().data<float>().ToArray();
    }

    /// <summary>Threads the kernels use: libtorch's intra-op thread count, at most the machine's cores.</summary>
    public static int Threads => Math.Max(1, Math.Min(Environment.ProcessorCount, get_num_threads()));
}
