using System.Runtime.InteropServices;

namespace NirHost.Testing;

/// <summary>Runs checks one by one, so one failure (or exception) never hides the outcome of the others.</summary>
internal sealed class CheckList(string component)
{
    private readonly List<CheckResult> _results = [];

    public IReadOnlyList<CheckResult> Results => _results;

    public bool AnyFailed => _results.Any(r => r.Failed);

    /// <summary>Runs <paramref name="body"/>; it throws <see cref="CheckFailure"/> (or anything else) to fail and returns a detail to pass.</summary>
    public bool Run(string check, Func<string> body)
    {
        try
        {
            _results.Add(new CheckResult(component, check, CheckOutcome.Passed, body()));
            return true;
        }
        catch (CheckSkipped e)
        {
            _results.Add(new CheckResult(component, check, CheckOutcome.Skipped, e.Message));
            return true;
        }
        catch (Exception e)
        {
            _results.Add(new CheckResult(component, check, CheckOutcome.Failed, Describe(e)));
            return false;
        }
    }

    public void Fail(string check, string detail) => _results.Add(new CheckResult(component, check, CheckOutcome.Failed, detail));

    public void Skip(string check, string detail) => _results.Add(new CheckResult(component, check, CheckOutcome.Skipped, detail));

    private static string Describe(Exception e) => e switch
    {
        CheckFailure => e.Message,
        // libtorch appends its C++ stack; the first line says what went wrong.
        ExternalException => $"libtorch: {e.Message.Split('\n')[0]}",
        _ => $"{e.GetType().Name}: {e.Message.Split('\n')[0]}",
    };
}

/// <summary>A check's expectation that did not hold.</summary>
internal sealed class CheckFailure(string message) : Exception(message)
{
    public static void Unless(bool condition, string message)
    {
        if (!condition)
        {
            throw new CheckFailure(message);
        }
    }
}

internal sealed class CheckSkipped(string message) : Exception(message);
