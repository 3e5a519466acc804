using System.Globalization;
using NirHost.Host.Training;

namespace NirHost.Tests.Support;

/// <summary>
/// Writes run folders as a run leaves them (<c>config.json</c>, <c>summary.json</c>, <c>CSV_Logs/Data_&lt;Split&gt;.csv</c>)
/// from made-up per-epoch values, through the host's own file types, so that report tests need no training.
/// </summary>
public static class SyntheticRunFolders
{
    /// <summary>
    /// A run whose <paramref name="test"/> (and optionally <paramref name="validation"/>) values are given per metric and epoch.
    /// The summary's best and last values are recorded from them as a run records them.
    /// </summary>
    public static string Write(string parent, string name, IReadOnlyDictionary<string, string> flags,
        IReadOnlyDictionary<string, double[]> test, IReadOnlyDictionary<string, double[]>? validation = null,
        string status = RunStatus.Completed, int? epochs = null)
    {
        var folder = Path.Combine(parent, name);
        Directory.CreateDirectory(Path.Combine(folder, "CSV_Logs"));
        var count = epochs ?? test.Values.First().Length;
        var summary = new RunSummary { RunFolder = folder, Status = status, Epochs = count, WallTimeSeconds = 12.5 * count };
        for (var epoch = 0; epoch < count; epoch++)
        {
            summary.Record("Test", epoch, test.ToDictionary(m => m.Key, m => m.Value[epoch]));
            if (validation is not null)
            {
                summary.Record("Val", epoch, validation.ToDictionary(m => m.Key, m => m.Value[epoch]));
            }
            summary.TrainLoss.Add(10.0 / (epoch + 1));
            summary.RecordLearningRates([("model", 1e-5), ("proxies", 1e-3 * Math.Pow(0.5, epoch))]);
        }
        File.WriteAllText(Path.Combine(folder, "summary.json"), summary.ToJson());
        var allFlags = new Dictionary<string, string>(flags, StringComparer.Ordinal);
        allFlags.TryAdd("seed", "0");
        allFlags.TryAdd("n_epochs", count.ToString(CultureInfo.InvariantCulture));
        allFlags.TryAdd("save_path", parent);
        File.WriteAllText(Path.Combine(folder, RunConfigFile.FileName),
            new RunConfigFile { Command = "nirhost " + string.Join(' ', allFlags.Select(f => $"--{f.Key} {f.Value}")), Flags = allFlags }.ToJson());
        WriteTable(Path.Combine(folder, "CSV_Logs", "Data_Test.csv"), test, count);
        if (validation is not null)
        {
            WriteTable(Path.Combine(folder, "CSV_Logs", "Data_Val.csv"), validation, count);
        }
        WriteTable(Path.Combine(folder, "CSV_Logs", "Data_Train.csv"),
            new Dictionary<string, double[]> { ["loss"] = [.. summary.TrainLoss], ["time"] = [.. Enumerable.Repeat(12.5, count)] }, count);
        return folder;
    }

    private static void WriteTable(string path, IReadOnlyDictionary<string, double[]> columns, int epochs)
    {
        var lines = new List<string> { string.Join(',', ["epochs", .. columns.Keys]) };
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            lines.Add(string.Join(',', [epoch.ToString(CultureInfo.InvariantCulture), .. columns.Values.Select(v => v[epoch].ToString("R", CultureInfo.InvariantCulture))]));
        }
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
    }
}
