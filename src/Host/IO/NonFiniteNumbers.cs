using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NirHost.Host.IO;

/// <summary>
/// The one rule by which every file of a run folder writes a number that is not finite (a diverged or skipped epoch's
/// mean loss, a metric of a broken model, a learning rate): as .NET's invariant names <c>NaN</c>, <c>Infinity</c> and
/// <c>-Infinity</c>. JSON has no such numbers, so JSON files hold them as those strings (System.Text.Json's named
/// floating-point literals, read back as the numbers); CSV logs hold the bare names, which Python's <c>float()</c> and
/// pandas read; TensorBoard stores the float itself. No writer fails on them, so a run that went wrong still records how.
/// </summary>
public static class NonFiniteNumbers
{
    /// <summary>
    /// Settings of every JSON file NirHost writes (<c>summary.json</c>, <c>config.json</c>, the checkpoint's training state):
    /// named literals for non-finite numbers; "\n" rather than the platform's newline, so that a run folder is the same
    /// file by file on every system and a resume on another one does not mix line endings.
    /// </summary>
    public static JsonSerializerOptions Json(bool indented) => new()
    {
        WriteIndented = indented,
        NewLine = "\n",
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>A CSV cell: the shortest text that reads back as the same double, or the invariant name of a non-finite one.</summary>
    public static string Csv(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
