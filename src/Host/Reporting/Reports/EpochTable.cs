using System.Globalization;

namespace NirHost.Host.Reporting.Reports;

/// <summary>
/// One split's per-epoch table of a run folder, <c>CSV_Logs/Data_&lt;Split&gt;.csv</c>: an <c>epochs</c> column and one
/// column per value (metrics; the training split's loss and time too). Rows are kept by epoch, so that a log holding an
/// epoch twice (a run resumed before checkpoints cut logs back) reads as its last row.
/// </summary>
public sealed class EpochTable
{
    private readonly SortedDictionary<int, double[]> _rows;
    private readonly Dictionary<string, int> _columns;

    private EpochTable(IReadOnlyList<string> columns, SortedDictionary<int, double[]> rows)
    {
        Columns = columns;
        _columns = columns.Select((name, i) => (name, i)).ToDictionary(c => c.name, c => c.i, StringComparer.Ordinal);
        _rows = rows;
    }

    /// <summary>The value columns, in the file's order (without <c>epochs</c>).</summary>
    public IReadOnlyList<string> Columns { get; }

    public IEnumerable<int> Epochs => _rows.Keys;

    public int? LastEpoch => _rows.Count == 0 ? null : _rows.Keys.Max();

    /// <summary>The value of <paramref name="column"/> at <paramref name="epoch"/>; null where the table has neither.</summary>
    public double? Value(int epoch, string column) =>
        _columns.TryGetValue(column, out var index) && _rows.TryGetValue(epoch, out var row) ? row[index] : null;

    /// <summary>Reads the table; null when the file does not exist. A row that does not parse is an error naming the file.</summary>
    public static EpochTable? Read(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        var lines = File.ReadAllLines(path).Where(line => line.Length > 0).ToList();
        if (lines.Count == 0)
        {
            return new EpochTable([], []);
        }
        var header = lines[0].Split(',');
        var epochColumn = Array.IndexOf(header, "epochs");
        if (epochColumn < 0)
        {
            throw new InvalidDataException($"{path} has no 'epochs' column.");
        }
        var columns = header.Where((_, i) => i != epochColumn).ToList();
        var rows = new SortedDictionary<int, double[]>();
        for (var line = 1; line < lines.Count; line++)
        {
            var cells = lines[line].Split(',');
            if (cells.Length != header.Length)
            {
                throw new InvalidDataException($"{path}, line {line + 1}: {cells.Length} values under {header.Length} columns.");
            }
            var values = new double[columns.Count];
            var epoch = 0;
            for (int i = 0, column = 0; i < cells.Length; i++)
            {
                if (!double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                {
                    throw new InvalidDataException($"{path}, line {line + 1}: '{cells[i]}' is not a number.");
                }
                if (i == epochColumn)
                {
                    epoch = (int)value;
                }
                else
                {
                    values[column++] = value;
                }
            }
            rows[epoch] = values;
        }
        return new EpochTable(columns, rows);
    }
}
