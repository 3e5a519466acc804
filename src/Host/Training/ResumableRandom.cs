using System.Numerics;

namespace NirHost.Host.Training;

/// <summary>
/// The trainer's per-epoch <see cref="Random"/>: the same numbers as <c>new Random(seed)</c> for every method, but
/// with a state that can be saved and restored, so that a run interrupted in the middle of an epoch continues with
/// exactly the draws it would have made. <see cref="System.Random"/> seeded with a value keeps its state private.
/// </summary>
/// <remarks>
/// The generator is Knuth's subtractive one (55 lagged terms) as .NET runs it for seeded instances; every override
/// reproduces how the seeded .NET implementation turns its samples into the requested range, which a test checks
/// against <see cref="System.Random"/> call by call.
/// </remarks>
public sealed class ResumableRandom : Random
{
    private const int Lags = 56;
    private const int SeedConstant = 161803398;

    private readonly int[] _terms = new int[Lags];
    private int _next;
    private int _nextFar;

    public ResumableRandom(int seed)
    {
        var subtraction = seed == int.MinValue ? int.MaxValue : Math.Abs(seed);
        var current = SeedConstant - subtraction;
        _terms[55] = current;
        var previous = 1;
        var index = 0;
        for (var i = 1; i < 55; i++)
        {
            index += 21;
            if (index >= 55)
            {
                index -= 55;
            }
            _terms[index] = previous;
            previous = current - previous;
            if (previous < 0)
            {
                previous += int.MaxValue;
            }
            current = _terms[index];
        }
        for (var round = 1; round < 5; round++)
        {
            for (var i = 1; i < Lags; i++)
            {
                var other = i + 30;
                if (other >= 55)
                {
                    other -= 55;
                }
                _terms[i] -= _terms[1 + other];
                if (_terms[i] < 0)
                {
                    _terms[i] += int.MaxValue;
                }
            }
        }
        _next = 0;
        _nextFar = 21;
    }

    /// <summary>The generator's whole state: the 56 lagged terms, then the two positions.</summary>
    public int[] SaveState() => [.. _terms, _next, _nextFar];

    /// <summary>Continues from a state <see cref="SaveState"/> returned.</summary>
    public void RestoreState(IReadOnlyList<int> state)
    {
        if (state.Count != Lags + 2 || state[Lags] is < 0 or >= Lags || state[Lags + 1] is < 0 or >= Lags)
        {
            throw new InvalidDataException($"A saved random-generator state has {Lags + 2} entries with positions below {Lags}; this one does not.");
        }
        for (var i = 0; i < Lags; i++)
        {
            _terms[i] = state[i];
        }
        (_next, _nextFar) = (state[Lags], state[Lags + 1]);
    }

    private int NextTerm()
    {
        if (++_next >= Lags)
        {
            _next = 1;
        }
        if (++_nextFar >= Lags)
        {
            _nextFar = 1;
        }
        var value = _terms[_next] - _terms[_nextFar];
        if (value == int.MaxValue)
        {
            value--;
        }
        if (value < 0)
        {
            value += int.MaxValue;
        }
        _terms[_next] = value;
        return value;
    }

    protected override double Sample() => NextTerm() * (1.0 / int.MaxValue);

    public override int Next() => NextTerm();

    public override int Next(int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return (int)(Sample() * maxValue);
    }

    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        var range = (long)maxValue - minValue;
        return range <= int.MaxValue
            ? (int)(Sample() * range) + minValue
            : (int)((long)(SampleForLargeRange() * range) + minValue);
    }

    public override long NextInt64()
    {
        while (true)
        {
            var value = NextUInt64() >> 1;
            if (value != long.MaxValue)
            {
                return (long)value;
            }
        }
    }

    public override long NextInt64(long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return NextInt64(0, maxValue);
    }

    public override long NextInt64(long minValue, long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        var range = (ulong)(maxValue - minValue);
        if (range <= 1)
        {
            return minValue;
        }
        var bits = BitOperations.Log2(range - 1) + 1;
        while (true)
        {
            var value = NextUInt64() >> (64 - bits);
            if (value < range)
            {
                return (long)value + minValue;
            }
        }
    }

    public override double NextDouble() => Sample();

    public override float NextSingle()
    {
        while (true)
        {
            var value = (float)Sample();
            if (value < 1.0f)
            {
                return value;
            }
        }
    }

    public override void NextBytes(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        NextBytes(buffer.AsSpan());
    }

    public override void NextBytes(Span<byte> buffer)
    {
        for (var i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (byte)NextTerm();
        }
    }

    private ulong NextUInt64() =>
        (uint)Next(1 << 22) | ((ulong)(uint)Next(1 << 22) << 22) | ((ulong)(uint)Next(1 << 20) << 44);

    private double SampleForLargeRange()
    {
        var value = NextTerm();
        if (NextTerm() % 2 == 0)
        {
            value = -value;
        }
        return (value + (double)(int.MaxValue - 1)) / (2.0 * int.MaxValue - 1);
    }
}
