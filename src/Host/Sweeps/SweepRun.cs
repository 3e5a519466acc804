namespace NirHost.Host.Sweeps;

/// <summary>
/// One run of a sweep: a configuration (a file line, crossed with <c>--grid</c> values) at one seed. Its
/// <see cref="Id"/> (<c>&lt;group&gt;_s&lt;seed&gt;</c>) names its run folder and its array task's log.
/// </summary>
public sealed record SweepRun(int Task, string Id, string Group, int Seed, int LineNumber, IReadOnlyList<string> Args);
