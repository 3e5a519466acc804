using NirHost.Abstractions;

namespace NirHost.TestPlugins.Faulty;

/// <summary>The steps at which <see cref="FaultyCriterion"/> fails, each -1 (never) by default.</summary>
public sealed class FaultyOptions
{
    [Flag("faulty_nan_at_step", Help = "Training step at which the loss term 'poison' becomes NaN (-1: never).")]
    public int NanAtStep { get; set; } = -1;

    [Flag("faulty_throw_at_step", Help = "Training step at which the criterion throws (-1: never).")]
    public int ThrowAtStep { get; set; } = -1;

    [Flag("faulty_alloc_at_step", Help = "Training step at which the criterion asks libtorch for an impossible allocation (-1: never).")]
    public int AllocateAtStep { get; set; } = -1;
}
