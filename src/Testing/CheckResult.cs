namespace NirHost.Testing;

public enum CheckOutcome
{
    Passed,
    Failed,

    /// <summary>The check could not run here (a dataset whose files are absent, say); the detail says why.</summary>
    Skipped,
}

/// <summary>The outcome of one conformance check of one component.</summary>
/// <param name="Component">Kind and name, as <c>Criterion 'myloss'</c>.</param>
/// <param name="Check">What was checked, in words (the failing check is named by this).</param>
/// <param name="Outcome">Passed, failed, or skipped.</param>
/// <param name="Detail">A measured value when passed, what went wrong when failed, why when skipped.</param>
public sealed record CheckResult(string Component, string Check, CheckOutcome Outcome, string Detail)
{
    public bool Failed => Outcome == CheckOutcome.Failed;

    public override string ToString() => $"{Outcome.ToString().ToUpperInvariant()}  {Component}: {Check}{(Detail.Length > 0 ? $" ({Detail})" : "")}";
}

/// <summary>Thrown by <see cref="ConformanceKit.AssertConforms(Type, ConformanceOptions?)"/>; the message lists every failed check.</summary>
public sealed class ConformanceException(IReadOnlyList<CheckResult> results)
    : Exception("The component does not conform to its contract:" + Environment.NewLine +
        string.Join(Environment.NewLine, results.Where(r => r.Failed).Select(r => "  " + r)))
{
    public IReadOnlyList<CheckResult> Results { get; } = results;
}
