using static TorchSharp.torch;

namespace NirHost.Plugins.BatchMiners;

/// <summary>Label relations within a batch as [B, B] boolean masks, the building blocks of every miner.</summary>
internal static class BatchMasks
{
    /// <summary>Entry (i, j) is set when samples i and j share a class (the diagonal included).</summary>
    public static Tensor SameClass(Tensor labels)
    {
        var flat = labels.reshape(-1);
        return flat.unsqueeze(1).eq(flat.unsqueeze(0));
    }

    /// <summary>The mask with its diagonal cleared: a sample is never its own positive.</summary>
    public static Tensor WithoutSelf(Tensor mask) =>
        mask.logical_and(eye(mask.shape[0], dtype: ScalarType.Bool, device: mask.device).logical_not());

    /// <summary>Rows (anchors) whose class has another sample in the batch: the original's <c>np.sum(pos) &gt; 1</c>.</summary>
    public static Tensor HasPositive(Tensor sameClass) => sameClass.sum(1).gt(1);

    /// <summary>
    /// Rows (anchors) that can form a valid tuple: their class has another sample and the batch another class.
    /// Miners mine only these, so a batch with one sample per class or of one class gives no tuple, not an error.
    /// </summary>
    public static Tensor HasTuple(Tensor sameClass) => HasPositive(sameClass).logical_and(HasNegative(sameClass));

    /// <summary>Rows (anchors) with a sample of another class in the batch.</summary>
    public static Tensor HasNegative(Tensor sameClass) => sameClass.logical_not().any(1);

    /// <summary>Indices of the set entries of a 1-D boolean mask, in ascending order.</summary>
    public static long[] Indices(Tensor mask)
    {
        using var found = mask.nonzero();
        // TorchSharp cannot read the data of an empty tensor.
        return found.numel() == 0 ? [] : found.reshape(-1).cpu().data<long>().ToArray();
    }

    public static Tensor Rows(Tensor mask, long[] rows) => mask.index_select(0, tensor(rows, device: mask.device));
}
