using NirHost.Tests.Support;

namespace NirHost.Tests.Install;

/// <summary>CI runs what README tells a user to run to test, and nothing else that could make it pass where the user's command would not.</summary>
public sealed class CiCommandTests
{
    [Fact]
    public void Ci_runs_exactly_the_test_command_the_readme_gives()
    {
        var readme = File.ReadAllLines(Path.Combine(Repository.Root, "README.md"));
        var intro = Array.FindIndex(readme, l => l.StartsWith("Run the tests", StringComparison.Ordinal));
        Assert.True(intro >= 0, "README.md has no 'Run the tests' paragraph");
        var block = readme.Skip(intro + 1).SkipWhile(l => !l.StartsWith("```", StringComparison.Ordinal)).Skip(1)
            .TakeWhile(l => !l.StartsWith("```", StringComparison.Ordinal)).Where(l => l.Trim().Length > 0).ToList();
        var command = Assert.Single(block).Trim();

        // Set-up lines (shell options, the working folder, the SDK's own description) may surround it; no other command.
        var steps = File.ReadAllLines(Path.Combine(Repository.Root, ".ci", "run")).Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#') && !l.StartsWith("set ", StringComparison.Ordinal)
                && !l.StartsWith("cd ", StringComparison.Ordinal) && !l.StartsWith("dotnet --info", StringComparison.Ordinal))
            .ToList();
        Assert.Equal([command], steps);
    }
}
