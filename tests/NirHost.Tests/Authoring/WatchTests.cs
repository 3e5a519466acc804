using System.Collections.Concurrent;
using NirHost.Host.Commands;
using NirHost.Tests.Support;
using Spectre.Console;

namespace NirHost.Tests.Authoring;

/// <summary><c>nirhost watch</c>: a rebuilt plugin is reloaded, rechecked and smoke-trained; a broken rebuild keeps the previous version.</summary>
public sealed class WatchTests : IDisposable
{
    private const string Assembly = "NirHost.TestPlugins.Reloadable";
    private readonly TempFolder _root = new();

    public void Dispose() => _root.Dispose();

    private string PluginFolder => Path.Combine(_root.Path, "Metrics", Assembly);

    /// <summary>Lays a build out as the plugin, file by file, as a build's copy does.</summary>
    private void Build(string project)
    {
        Directory.CreateDirectory(PluginFolder);
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "testplugins", project)))
        {
            File.Copy(file, Path.Combine(PluginFolder, Path.GetFileName(file)), overwrite: true);
        }
    }

    [Fact]
    public async Task A_rebuilt_plugin_is_reloaded_checked_and_trained_and_a_broken_rebuild_keeps_the_previous_version()
    {
        Build("NirHost.TestPlugins.Reloadable.V1");
        var cycles = new BlockingCollection<WatchCycle>();
        // The watch writes from its own thread; the test reads under the same lock (StringWriter itself is not thread-safe).
        var output = new Printed(new StringWriter());
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output.Writer), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 300;
        string[] train = [.. HostHarness.TinyRun(Path.Combine(_root.Path, "runs"), "--evaluation_metrics", "versioned", "--synthetic_classes", "8",
            "--synthetic_samples_per_class", "10", "--bs", "8", "--samples_per_class", "2", "--n_epochs", "1")];
        var watch = new WatchCommand([_root.Path], [_root.Path, HostHarness.PluginsFolder], train, console);
        watch.CycleCompleted += cycles.Add;
        using var stop = new CancellationTokenSource();
        var running = Task.Run(() => watch.Run(stop.Token));
        try
        {
            var first = Take(cycles, output);
            Assert.True(first.Passed, output.Text);
            Assert.Contains("versioned 1", first.Training);
            Assert.Contains(first.Checks, c => c.Component == "Metric 'versioned'" && c.Check == "is invariant to sample order");

            Build("NirHost.TestPlugins.Reloadable.V2");
            var second = Take(cycles, output);
            Assert.True(second.Passed, output.Text);
            Assert.StartsWith("reload of", second.Reason);
            Assert.Contains("versioned 2", second.Training);

            // A build that produced garbage: the previous version stays and says why.
            File.WriteAllText(Path.Combine(PluginFolder, Assembly + ".dll"), "not an assembly");
            var third = Take(cycles, output);
            Assert.Equal([Path.Combine(PluginFolder, Assembly + ".dll")], third.KeptPreviousVersions);
            Assert.Contains("versioned 2", third.Training);
            Assert.Contains("Reload failed", output.Text);
            Assert.Contains("Keeping the previous version", output.Text);
        }
        finally
        {
            stop.Cancel();
            await running.WaitAsync(TimeSpan.FromMinutes(2));
        }
    }

    private static WatchCycle Take(BlockingCollection<WatchCycle> cycles, Printed output)
    {
        if (!cycles.TryTake(out var cycle, TimeSpan.FromMinutes(2)))
        {
            Assert.Fail("no watch cycle completed:" + Environment.NewLine + output.Text);
        }
        return cycle;
    }

    /// <summary>What the watch prints: written through a synchronized writer, which locks on itself for every write, and read under that lock.</summary>
    private sealed class Printed(StringWriter text)
    {
        public TextWriter Writer { get; } = TextWriter.Synchronized(text);

        public string Text
        {
            get
            {
                lock (Writer)
                {
                    return text.ToString();
                }
            }
        }
    }
}
