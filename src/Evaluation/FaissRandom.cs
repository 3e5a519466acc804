namespace NirHost.Evaluation;

/// <summary>
/// faiss's <c>RandomGenerator</c> as faiss 1.7 has it (the version the original's evaluation ran with): the C++
/// standard library's 32-bit Mersenne Twister, <c>std::mt19937</c>, seeded with the seed's low 32 bits; integers below
/// a bound by remainder (later faiss versions scale instead, so their clusterings differ); floats as the draw divided
/// by the generator's maximum in float arithmetic.
/// </summary>
internal sealed class FaissRandom
{
    private const int StateSize = 624;
    private const int ShiftSize = 397;
    private readonly uint[] _state = new uint[StateSize];
    private int _next;

    public FaissRandom(long seed)
    {
        _state[0] = (uint)seed;
        for (var i = 1; i < StateSize; i++)
        {
            _state[i] = unchecked(1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30)) + (uint)i);
        }
        _next = StateSize;
    }

    /// <summary>The next raw 32-bit draw (<c>mt()</c>).</summary>
    public uint Next()
    {
        if (_next >= StateSize)
        {
            Twist();
        }
        var y = _state[_next++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary>faiss 1.7's <c>rand_int(max)</c>: <c>mt() % max</c>.</summary>
    public int NextBelow(int max) => (int)(Next() % (uint)max);

    /// <summary>faiss's <c>rand_float()</c>: <c>mt() / float(mt.max())</c>, both rounded to float first.</summary>
    public float NextFloat() => (float)Next() / (float)uint.MaxValue;

    /// <summary>faiss's <c>rand_perm</c>: a Fisher-Yates shuffle of 0..n-1 from the front.</summary>
    public static int[] Permutation(int n, long seed)
    {
        var perm = new int[n];
        for (var i = 0; i < n; i++)
        {
            perm[i] = i;
        }
        var rng = new FaissRandom(seed);
        for (var i = 0; i + 1 < n; i++)
        {
            var j = i + rng.NextBelow(n - i);
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        return perm;
    }

    private void Twist()
    {
        for (var i = 0; i < StateSize; i++)
        {
            var y = (_state[i] & 0x80000000u) | (_state[(i + 1) % StateSize] & 0x7fffffffu);
            var next = _state[(i + ShiftSize) % StateSize] ^ (y >> 1);
            _state[i] = (y & 1) != 0 ? next ^ 0x9908b0dfu : next;
        }
        _next = 0;
    }
}
