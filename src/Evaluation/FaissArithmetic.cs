using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace NirHost.Evaluation;

/// <summary>
/// Scores rounded exactly as the original's evaluation rounds them: faiss 1.7 (IndexFlatL2, IndexFlatIP) with
/// OpenBLAS, and scikit-learn's <c>normalize</c> for the cosine variants. Measured against them bit for bit on this
/// machine: a squared norm is the float32 products summed in double (faiss's <c>fvec_norms_L2sqr</c>); a dot product
/// is one float32 fused multiply-add chain along the dimension from zero (the BLAS kernel); a squared distance is
/// <c>max(0, (|x|^2 + |y|^2) - 2&lt;x,y&gt;)</c>; a normalised row divides by the float32 root of numpy's einsum sum
/// of squares (four lanes, blocks of sixteen taken last vector first, then pairwise), rows of norm below ten
/// float32 epsilons left as they are. Rankings then break only true ties, and the original breaks those by index.
/// The chain along the dimension is also why a dot product is symmetric bit for bit, which the search exploits.
/// </summary>
public static class FaissArithmetic
{
    /// <summary>Columns per packed panel: two 512-bit vectors.</summary>
    public const int PanelWidth = 32;

    /// <summary>Rows per kernel call.</summary>
    public const int RowGroup = 8;

    /// <summary>faiss's squared norms: float32 products accumulated in double, rounded once.</summary>
    public static float[] SquaredNorms(float[] x, int n, int d)
    {
        var norms = new float[n];
        for (var i = 0; i < n; i++)
        {
            var row = x.AsSpan(i * d, d);
            double sum = 0;
            foreach (var v in row)
            {
                sum += v * v;
            }
            norms[i] = (float)sum;
        }
        return norms;
    }

    /// <summary>scikit-learn's <c>normalize(x, axis=1)</c> on float32 rows, rounded as numpy 1.24 rounds it.</summary>
    public static float[] NormaliseRows(float[] x, int n, int d)
    {
        var result = new float[x.Length];
        const float nearConstant = 10 * 1.1920929e-07f;
        for (var i = 0; i < n; i++)
        {
            var row = x.AsSpan(i * d, d);
            var norm = MathF.Sqrt(EinsumSquaredNorm(row));
            if (norm < nearConstant)
            {
                norm = 1;
            }
            var target = result.AsSpan(i * d, d);
            for (var j = 0; j < d; j++)
            {
                target[j] = row[j] / norm;
            }
        }
        return result;
    }

    private static float EinsumSquaredNorm(ReadOnlySpan<float> row)
    {
        Span<float> lanes = stackalloc float[4];
        lanes.Clear();
        var i = 0;
        for (; i + 16 <= row.Length; i += 16)
        {
            for (var vector = 3; vector >= 0; vector--)
            {
                for (var lane = 0; lane < 4; lane++)
                {
                    var v = row[i + vector * 4 + lane];
                    lanes[lane] += v * v;
                }
            }
        }
        for (; i < row.Length; i += 4)
        {
            for (var lane = 0; lane < 4 && i + lane < row.Length; lane++)
            {
                var v = row[i + lane];
                lanes[lane] += v * v;
            }
        }
        return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    }

    /// <summary>
    /// Copies rows <paramref name="start"/>..+<paramref name="count"/> of row-major <paramref name="x"/> into panels of
    /// <see cref="PanelWidth"/> rows stored dimension-major ([panel][d][32]), zero-padded, for <see cref="Dot"/>.
    /// </summary>
    public static float[] Pack(float[] x, int d, int start, int count)
    {
        var panels = (count + PanelWidth - 1) / PanelWidth;
        var packed = new float[panels * d * PanelWidth];
        for (var j = 0; j < count; j++)
        {
            var source = x.AsSpan((start + j) * d, d);
            var panel = (j / PanelWidth) * d * PanelWidth;
            var column = j % PanelWidth;
            for (var k = 0; k < d; k++)
            {
                packed[panel + k * PanelWidth + column] = source[k];
            }
        }
        return packed;
    }

    /// <summary>
    /// Dot products of <see cref="RowGroup"/> consecutive rows of <paramref name="a"/> (from row <paramref name="aRow"/>)
    /// with the columns of packed panels <paramref name="firstPanel"/>..+<paramref name="panelCount"/>, written to
    /// <paramref name="c"/> at <paramref name="cOffset"/> with row stride <paramref name="ldc"/>. Each product is
    /// one fused multiply-add chain in dimension order, as the BLAS kernel behind faiss computes it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Dot(float[] a, int aRow, int d, float[] packed, int firstPanel, int panelCount, float[] c, int cOffset, int ldc)
    {
        ref var aRef = ref MemoryMarshal.GetArrayDataReference(a);
        ref var bRef = ref MemoryMarshal.GetArrayDataReference(packed);
        ref var cRef = ref MemoryMarshal.GetArrayDataReference(c);
        for (var p = 0; p < panelCount; p++)
        {
            var panel = (nuint)((firstPanel + p) * d * PanelWidth);
            var output = (nuint)(cOffset + p * PanelWidth);
            if (Vector512.IsHardwareAccelerated)
            {
                Kernel512(ref Unsafe.Add(ref aRef, aRow * d), d, ref Unsafe.Add(ref bRef, panel), ref Unsafe.Add(ref cRef, output), ldc);
            }
            else
            {
                var wide = Vector256.IsHardwareAccelerated;
                for (var half = 0; half < 2; half++)
                {
                    for (var rows = 0; rows < RowGroup; rows += 4)
                    {
                        ref var aRows = ref Unsafe.Add(ref aRef, (aRow + rows) * d);
                        ref var bColumns = ref Unsafe.Add(ref bRef, panel + (nuint)(half * 16));
                        ref var cBlock = ref Unsafe.Add(ref cRef, output + (nuint)(rows * ldc + half * 16));
                        if (wide)
                        {
                            Kernel256(ref aRows, d, ref bColumns, ref cBlock, ldc);
                        }
                        else
                        {
                            Kernel128(ref aRows, d, ref bColumns, ref cBlock, ldc);
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="Dot"/> for rows <paramref name="first"/>..+<paramref name="rows"/> of <paramref name="a"/>: a full
    /// <see cref="RowGroup"/> directly, fewer copied into <paramref name="padding"/> ([RowGroup x d]) with zero rows after them.
    /// </summary>
    public static void DotRows(float[] a, int first, int rows, int d, float[] packed, int firstPanel, int panelCount, float[] c, int cOffset, int ldc,
        float[] padding)
    {
        if (rows == RowGroup)
        {
            Dot(a, first, d, packed, firstPanel, panelCount, c, cOffset, ldc);
            return;
        }
        Array.Clear(padding);
        a.AsSpan(first * d, rows * d).CopyTo(padding);
        Dot(padding, 0, d, packed, firstPanel, panelCount, c, cOffset, ldc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Kernel512(ref float a, int d, ref float b, ref float c, int ldc)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default,
            c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default,
            c60 = default, c61 = default, c70 = default, c71 = default;
        ref var a1 = ref Unsafe.Add(ref a, d);
        ref var a2 = ref Unsafe.Add(ref a, 2 * d);
        ref var a3 = ref Unsafe.Add(ref a, 3 * d);
        ref var a4 = ref Unsafe.Add(ref a, 4 * d);
        ref var a5 = ref Unsafe.Add(ref a, 5 * d);
        ref var a6 = ref Unsafe.Add(ref a, 6 * d);
        ref var a7 = ref Unsafe.Add(ref a, 7 * d);
        for (var k = 0; k < d; k++)
        {
            var offset = (nuint)(k * PanelWidth);
            var b0 = Vector512.LoadUnsafe(ref b, offset);
            var b1 = Vector512.LoadUnsafe(ref b, offset + 16);
            var v = Vector512.Create(Unsafe.Add(ref a, k));
            c00 = Vector512.FusedMultiplyAdd(v, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(v, b1, c01);
            v = Vector512.Create(Unsafe.Add(ref a1, k));
            c10 = Vector512.FusedMultiplyAdd(v, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(v, b1, c11);
            v = Vector512.Create(Unsafe.Add(ref a2, k));
            c20 = Vector512.FusedMultiplyAdd(v, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(v, b1, c21);
            v = Vector512.Create(Unsafe.Add(ref a3, k));
            c30 = Vector512.FusedMultiplyAdd(v, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(v, b1, c31);
            v = Vector512.Create(Unsafe.Add(ref a4, k));
            c40 = Vector512.FusedMultiplyAdd(v, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(v, b1, c41);
            v = Vector512.Create(Unsafe.Add(ref a5, k));
            c50 = Vector512.FusedMultiplyAdd(v, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(v, b1, c51);
            v = Vector512.Create(Unsafe.Add(ref a6, k));
            c60 = Vector512.FusedMultiplyAdd(v, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(v, b1, c61);
            v = Vector512.Create(Unsafe.Add(ref a7, k));
            c70 = Vector512.FusedMultiplyAdd(v, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(v, b1, c71);
        }
        var stride = (nuint)ldc;
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 16);
        c10.StoreUnsafe(ref c, stride); c11.StoreUnsafe(ref c, stride + 16);
        c20.StoreUnsafe(ref c, 2 * stride); c21.StoreUnsafe(ref c, 2 * stride + 16);
        c30.StoreUnsafe(ref c, 3 * stride); c31.StoreUnsafe(ref c, 3 * stride + 16);
        c40.StoreUnsafe(ref c, 4 * stride); c41.StoreUnsafe(ref c, 4 * stride + 16);
        c50.StoreUnsafe(ref c, 5 * stride); c51.StoreUnsafe(ref c, 5 * stride + 16);
        c60.StoreUnsafe(ref c, 6 * stride); c61.StoreUnsafe(ref c, 6 * stride + 16);
        c70.StoreUnsafe(ref c, 7 * stride); c71.StoreUnsafe(ref c, 7 * stride + 16);
    }

    /// <summary>Four rows by sixteen columns for machines without 512-bit vectors; the same chains, so the same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256(ref float a, int d, ref float b, ref float c, int ldc)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        ref var a1 = ref Unsafe.Add(ref a, d);
        ref var a2 = ref Unsafe.Add(ref a, 2 * d);
        ref var a3 = ref Unsafe.Add(ref a, 3 * d);
        for (var k = 0; k < d; k++)
        {
            var offset = (nuint)(k * PanelWidth);
            var b0 = Vector256.LoadUnsafe(ref b, offset);
            var b1 = Vector256.LoadUnsafe(ref b, offset + 8);
            var v = Vector256.Create(Unsafe.Add(ref a, k));
            c00 = Vector256.FusedMultiplyAdd(v, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(v, b1, c01);
            v = Vector256.Create(Unsafe.Add(ref a1, k));
            c10 = Vector256.FusedMultiplyAdd(v, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(v, b1, c11);
            v = Vector256.Create(Unsafe.Add(ref a2, k));
            c20 = Vector256.FusedMultiplyAdd(v, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(v, b1, c21);
            v = Vector256.Create(Unsafe.Add(ref a3, k));
            c30 = Vector256.FusedMultiplyAdd(v, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(v, b1, c31);
        }
        var stride = (nuint)ldc;
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 8);
        c10.StoreUnsafe(ref c, stride); c11.StoreUnsafe(ref c, stride + 8);
        c20.StoreUnsafe(ref c, 2 * stride); c21.StoreUnsafe(ref c, 2 * stride + 8);
        c30.StoreUnsafe(ref c, 3 * stride); c31.StoreUnsafe(ref c, 3 * stride + 8);
    }

    /// <summary>
    /// Four rows by sixteen columns in 128-bit vectors, for ARM64 (NEON has 128-bit registers only, where 256-bit
    /// operations would be emulated in halves through memory). Sixteen accumulators fit NEON's 32 registers; the same
    /// chains as the wider kernels, so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel128(ref float a, int d, ref float b, ref float c, int ldc)
    {
        Vector128<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default,
            c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default;
        ref var a1 = ref Unsafe.Add(ref a, d);
        ref var a2 = ref Unsafe.Add(ref a, 2 * d);
        ref var a3 = ref Unsafe.Add(ref a, 3 * d);
        for (var k = 0; k < d; k++)
        {
            var offset = (nuint)(k * PanelWidth);
            var b0 = Vector128.LoadUnsafe(ref b, offset);
            var b1 = Vector128.LoadUnsafe(ref b, offset + 4);
            var b2 = Vector128.LoadUnsafe(ref b, offset + 8);
            var b3 = Vector128.LoadUnsafe(ref b, offset + 12);
            var v = Vector128.Create(Unsafe.Add(ref a, k));
            c00 = Vector128.FusedMultiplyAdd(v, b0, c00);
            c01 = Vector128.FusedMultiplyAdd(v, b1, c01);
            c02 = Vector128.FusedMultiplyAdd(v, b2, c02);
            c03 = Vector128.FusedMultiplyAdd(v, b3, c03);
            v = Vector128.Create(Unsafe.Add(ref a1, k));
            c10 = Vector128.FusedMultiplyAdd(v, b0, c10);
            c11 = Vector128.FusedMultiplyAdd(v, b1, c11);
            c12 = Vector128.FusedMultiplyAdd(v, b2, c12);
            c13 = Vector128.FusedMultiplyAdd(v, b3, c13);
            v = Vector128.Create(Unsafe.Add(ref a2, k));
            c20 = Vector128.FusedMultiplyAdd(v, b0, c20);
            c21 = Vector128.FusedMultiplyAdd(v, b1, c21);
            c22 = Vector128.FusedMultiplyAdd(v, b2, c22);
            c23 = Vector128.FusedMultiplyAdd(v, b3, c23);
            v = Vector128.Create(Unsafe.Add(ref a3, k));
            c30 = Vector128.FusedMultiplyAdd(v, b0, c30);
            c31 = Vector128.FusedMultiplyAdd(v, b1, c31);
            c32 = Vector128.FusedMultiplyAdd(v, b2, c32);
            c33 = Vector128.FusedMultiplyAdd(v, b3, c33);
        }
        var stride = (nuint)ldc;
        c00.StoreUnsafe(ref c); c01.StoreUnsafe(ref c, 4); c02.StoreUnsafe(ref c, 8); c03.StoreUnsafe(ref c, 12);
        c10.StoreUnsafe(ref c, stride); c11.StoreUnsafe(ref c, stride + 4); c12.StoreUnsafe(ref c, stride + 8); c13.StoreUnsafe(ref c, stride + 12);
        c20.StoreUnsafe(ref c, 2 * stride); c21.StoreUnsafe(ref c, 2 * stride + 4);
        c22.StoreUnsafe(ref c, 2 * stride + 8); c23.StoreUnsafe(ref c, 2 * stride + 12);
        c30.StoreUnsafe(ref c, 3 * stride); c31.StoreUnsafe(ref c, 3 * stride + 4);
        c32.StoreUnsafe(ref c, 3 * stride + 8); c33.StoreUnsafe(ref c, 3 * stride + 12);
    }
}
