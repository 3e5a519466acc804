namespace NirHost.Plugins.Criteria.Flows;

/// <summary>
/// The part of numpy's legacy <c>RandomState</c> that FrEIA's random permutations depend on: MT19937 seeded
/// from a 32-bit integer, and <c>permutation(n)</c>, which shuffles <c>arange(n)</c> Fisher-Yates style with
/// bounded integers drawn by masked rejection sampling. Reproducing it bit for bit lets a freshly built flow
/// carry the same permutations as the original for the same block index, without loading them.
/// </summary>
public sealed class NumpyLegacyRandom
{
    private const int StateLength = 624;
    private const int Shift = 397;
    private const uint MatrixA = 0x9908b0dfu;
    private const uint UpperMask = 0x80000000u;
    private const uint LowerMask = 0x7fffffffu;

    private readonly uint[] _state = new uint[StateLength];
    private int _position;

    /// <summary>As <c>numpy.random.seed(seed)</c> for an integer seed in [0, 2^32).</summary>
    public NumpyLegacyRandom(uint seed)
    {
        var value = seed;
        for (var i = 0; i < StateLength; i++)
        {
            _state[i] = value;
            value = unchecked(1812433253u * (value ^ (value >> 30)) + (uint)i + 1u);
        }
        _position = StateLength;
    }

    /// <summary>One tempered 32-bit output of MT19937.</summary>
    public uint NextUInt32()
    {
        if (_position >= StateLength)
        {
            Regenerate();
        }
        var y = _state[_position++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary>
    /// A uniform integer in [0, max], as numpy's <c>random_interval</c>: draws masked to the smallest
    /// all-ones mask covering max, rejected until in range. Only the 32-bit path exists here, which covers
    /// every permutation length a flow can have.
    /// </summary>
    public uint NextInterval(uint max)
    {
        if (max == 0)
        {
            return 0;
        }
        var mask = max;
        mask |= mask >> 1;
        mask |= mask >> 2;
        mask |= mask >> 4;
        mask |= mask >> 8;
        mask |= mask >> 16;
        uint value;
        while ((value = NextUInt32() & mask) > max)
        {
        }
        return value;
    }

    /// <summary>As <c>numpy.random.permutation(n)</c>: <c>arange(n)</c> shuffled from the last position down.</summary>
    public long[] Permutation(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var values = new long[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = i;
        }
        for (var i = n - 1; i >= 1; i--)
        {
            var j = (int)NextInterval((uint)i);
            (values[i], values[j]) = (values[j], values[i]);
        }
        return values;
    }

    private void Regenerate()
    {
        int k;
        uint y;
        for (k = 0; k < StateLength - Shift; k++)
        {
            y = (_state[k] & UpperMask) | (_state[k + 1] & LowerMask);
            _state[k] = _state[k + Shift] ^ (y >> 1) ^ ((y & 1) == 0 ? 0u : MatrixA);
        }
        for (; k < StateLength - 1; k++)
        {
            y = (_state[k] & UpperMask) | (_state[k + 1] & LowerMask);
            _state[k] = _state[k + (Shift - StateLength)] ^ (y >> 1) ^ ((y & 1) == 0 ? 0u : MatrixA);
        }
        y = (_state[StateLength - 1] & UpperMask) | (_state[0] & LowerMask);
        _state[StateLength - 1] = _state[Shift - 1] ^ (y >> 1) ^ ((y & 1) == 0 ? 0u : MatrixA);
        _position = 0;
    }
}
