using NirHost.Host.Training;

namespace NirHost.Tests.Training;

/// <summary>
/// The trainer's generator must give exactly what <c>new Random(seed)</c> gives (so runs keep their numbers), and a
/// saved state must continue the sequence exactly (so a run resumed mid-epoch draws what it would have drawn).
/// </summary>
public sealed class ResumableRandomTests
{
    /// <summary>Every overridable method, with ranges small, large, empty and spanning more than int.MaxValue.</summary>
    private static string Draw(Random random, int call) => (call % 14) switch
    {
        0 => random.Next().ToString(),
        1 => random.Next(7).ToString(),
        2 => random.Next(-5, 123_457).ToString(),
        3 => random.Next(int.MinValue, int.MaxValue).ToString(),
        4 => random.NextDouble().ToString("R"),
        5 => random.NextSingle().ToString("R"),
        6 => random.NextInt64().ToString(),
        7 => random.NextInt64(1L << 40).ToString(),
        8 => random.NextInt64(-3, 1_000_000_007L).ToString(),
        9 => Convert.ToHexString(Bytes(random, 5)),
        10 => random.Next(0).ToString() + random.Next(3, 3) + random.NextInt64(9, 10),
        11 => string.Join(",", Shuffled(random)),
        12 => random.Next(int.MaxValue).ToString(),
        _ => random.NextInt64(long.MinValue, long.MaxValue).ToString(),
    };

    private static byte[] Bytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    private static int[] Shuffled(Random random)
    {
        var values = Enumerable.Range(0, 9).ToArray();
        random.Shuffle(values);
        return values;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(42)]
    [InlineData(-7)]
    [InlineData(int.MaxValue)]
    [InlineData(int.MinValue)]
    [InlineData(300_003)]
    public void Draws_the_same_numbers_as_a_seeded_System_Random(int seed)
    {
        var expected = new Random(seed);
        var actual = new ResumableRandom(seed);

        for (var call = 0; call < 3000; call++)
        {
            Assert.Equal(Draw(expected, call), Draw(actual, call));
        }
    }

    [Fact]
    public void A_restored_state_continues_the_sequence_and_a_malformed_one_is_refused()
    {
        var original = new ResumableRandom(123);
        for (var call = 0; call < 250; call++)
        {
            Draw(original, call);
        }
        var state = original.SaveState();
        var continued = new ResumableRandom(999);
        continued.RestoreState(state);

        for (var call = 250; call < 1000; call++)
        {
            Assert.Equal(Draw(original, call), Draw(continued, call));
        }

        Assert.Throws<InvalidDataException>(() => continued.RestoreState(state[..10]));
        state[^1] = 56;
        Assert.Throws<InvalidDataException>(() => continued.RestoreState(state));
    }
}
