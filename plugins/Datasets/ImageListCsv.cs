using System.Text;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// A CSV file listing a dataset's images, in Open Metric Learning's dataframe format: a header row naming the columns,
/// then one image a row. Required columns: <c>path</c> (relative to the CSV's folder, or absolute), <c>label</c> (the
/// class, any non-empty text) and <c>split</c> (<c>train</c>, or <c>test</c> for held-out images; <c>validation</c>,
/// Open Metric Learning's name for the held-out set, means the same). Optional: <c>is_query</c> and <c>is_gallery</c>
/// (1/0, true/false, or empty for false) on held-out rows; other columns are ignored. Fields may be quoted as RFC 4180
/// says. Classes are numbered in the order they first appear, within each split.
/// </summary>
/// <remarks>
/// Held-out rows that are all both query and gallery (as Open Metric Learning marks a set searched against itself) make
/// an ordinary test split. Otherwise every held-out row is a query or in the gallery, not both: NirHost keeps queries out
/// of the gallery, and a row that were both would find itself. Bad rows (a wrong number of fields, an empty path or
/// label, an unknown split, a bad flag), missing image files and a split without images are errors naming the line.
/// </remarks>
internal static class ImageListCsv
{
    private static readonly string[] Required = ["path", "label", "split"];

    /// <summary>The classes of each part; <see cref="Testing"/> is null with query/gallery rows, <see cref="Query"/> and <see cref="Gallery"/> otherwise.</summary>
    public sealed record Lists(IReadOnlyList<ClassImages> Training, IReadOnlyList<ClassImages>? Testing,
        IReadOnlyList<ClassImages>? Query, IReadOnlyList<ClassImages>? Gallery);

    private sealed record Row(int Line, string Path, string Label, bool Train, bool IsQuery, bool IsGallery);

    public static Lists Read(string file)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file))!;
        var lines = File.ReadAllLines(file);
        var header = lines.Length == 0 ? [] : Fields(lines[0], file, 1);
        var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < header.Count; i++)
        {
            if (!columns.TryAdd(header[i].Trim(), i))
            {
                throw new InvalidDataException($"{file}, line 1: the header names column '{header[i].Trim()}' twice.");
            }
        }
        var missing = Required.Where(name => !columns.ContainsKey(name)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"{file}, line 1: the header {(lines.Length == 0 ? "is missing" : $"'{lines[0]}' lacks {string.Join(", ", missing)}")}; " +
                "expected a header row such as 'path,label,split' (optionally with is_query,is_gallery).");
        }
        int? queryColumn = columns.TryGetValue("is_query", out var q) ? q : null;
        int? galleryColumn = columns.TryGetValue("is_gallery", out var g) ? g : null;

        var rows = new List<Row>();
        for (var i = 1; i < lines.Length; i++)
        {
            var number = i + 1;
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }
            var fields = Fields(lines[i], file, number);
            if (fields.Count != header.Count)
            {
                throw new InvalidDataException($"{file}, line {number}: {fields.Count} field(s) where the header has {header.Count} ('{lines[i]}').");
            }
            var path = fields[columns["path"]].Trim();
            var label = fields[columns["label"]].Trim();
            var split = fields[columns["split"]].Trim();
            if (path.Length == 0)
            {
                throw new InvalidDataException($"{file}, line {number}: the path is empty.");
            }
            if (label.Length == 0)
            {
                throw new InvalidDataException($"{file}, line {number}: the label of {path} is empty.");
            }
            var train = split.ToLowerInvariant() switch
            {
                "train" => true,
                "test" or "validation" => false,
                _ => throw new InvalidDataException($"{file}, line {number}: split '{split}' is not train, test or validation."),
            };
            var isQuery = queryColumn is { } qc && Flag(fields[qc], "is_query", file, number);
            var isGallery = galleryColumn is { } gc && Flag(fields[gc], "is_gallery", file, number);
            if (train && (isQuery || isGallery))
            {
                throw new InvalidDataException($"{file}, line {number}: a train row cannot be a query or in the gallery; only test rows are.");
            }
            var image = System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.GetFullPath(System.IO.Path.Combine(folder, path));
            if (!File.Exists(image))
            {
                throw new FileNotFoundException($"{file}, line {number}: image {image} does not exist.", image);
            }
            rows.Add(new Row(number, image, label, train, isQuery, isGallery));
        }

        var training = Classes(rows.Where(row => row.Train));
        var heldOut = rows.Where(row => !row.Train).ToList();
        if (training.Count == 0 || heldOut.Count == 0)
        {
            throw new InvalidDataException($"{file} has no {(training.Count == 0 ? "train" : "test (or validation)")} rows; training and test need images each.");
        }
        if (heldOut.All(row => row.IsQuery && row.IsGallery) || (queryColumn is null && galleryColumn is null))
        {
            return new Lists(training, Classes(heldOut), null, null);
        }
        foreach (var row in heldOut)
        {
            if (row.IsQuery == row.IsGallery)
            {
                throw new InvalidDataException($"{file}, line {row.Line}: a test row is {(row.IsQuery ? "both a query and in the gallery" : "neither a query nor in the gallery")}. " +
                    "Mark each test row as one of them (queries are searched against the gallery), or every test row as both to search the test split against itself.");
            }
        }
        var queries = heldOut.Where(row => row.IsQuery).ToList();
        var gallery = heldOut.Where(row => row.IsGallery).ToList();
        if (queries.Count == 0 || gallery.Count == 0)
        {
            throw new InvalidDataException($"{file} has {queries.Count} query and {gallery.Count} gallery rows; a query/gallery evaluation needs both.");
        }
        // One class list for both parts, so that a class has the same label among queries and in the gallery.
        var order = heldOut.Select(row => row.Label).Distinct(StringComparer.Ordinal).ToList();
        return new Lists(training, null, ByOrder(queries, order), ByOrder(gallery, order));
    }

    private static List<ClassImages> Classes(IEnumerable<Row> rows)
    {
        var list = rows.ToList();
        return ByOrder(list, [.. list.Select(row => row.Label).Distinct(StringComparer.Ordinal)]);
    }

    private static List<ClassImages> ByOrder(List<Row> rows, List<string> order)
    {
        var byLabel = rows.GroupBy(row => row.Label, StringComparer.Ordinal).ToDictionary(group => group.Key, group => group.Select(row => row.Path).ToList(), StringComparer.Ordinal);
        return [.. order.Select(label => new ClassImages(label, byLabel.TryGetValue(label, out var paths) ? paths : []))];
    }

    private static bool Flag(string raw, string column, string file, int line) => raw.Trim().ToLowerInvariant() switch
    {
        "1" or "true" or "1.0" => true,
        "0" or "false" or "0.0" or "" or "none" or "nan" => false,
        _ => throw new InvalidDataException($"{file}, line {line}: {column} '{raw}' is not 1, 0, true, false or empty."),
    };

    /// <summary>The fields of one CSV line, quotes as RFC 4180 has them ("" inside quotes is one quote).</summary>
    private static List<string> Fields(string line, string file, int number)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }
        if (quoted)
        {
            throw new InvalidDataException($"{file}, line {number}: a quoted field is not closed ('{line}').");
        }
        fields.Add(field.ToString());
        return fields;
    }
}
