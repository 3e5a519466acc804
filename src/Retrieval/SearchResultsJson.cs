using System.Text.Json.Nodes;

namespace NirHost.Retrieval;

/// <summary>
/// Search results as JSON, the shape <c>nirhost search</c> prints and the sample retrieval service answers with: per
/// query its path (or number) and label where known, and its matches (<c>rank</c>, <c>row</c>, <c>path</c>, <c>label</c>,
/// <c>distance</c>).
/// </summary>
public static class SearchResultsJson
{
    public static JsonArray Write(EmbeddingSet queries, SearchMatch[][] matches)
    {
        var result = new JsonArray();
        for (var q = 0; q < matches.Length; q++)
        {
            var entry = new JsonObject { ["query"] = queries.Paths?[q] ?? (JsonNode)q };
            if (queries.Labels is not null)
            {
                entry["label"] = queries.Labels[q];
            }
            entry["matches"] = Matches(matches[q]);
            result.Add(entry);
        }
        return result;
    }

    /// <summary>One query's matches.</summary>
    public static JsonArray Matches(IEnumerable<SearchMatch> matches) =>
        new([.. matches.Select(m => (JsonNode)new JsonObject
        {
            ["rank"] = m.Rank,
            ["row"] = m.Row,
            ["path"] = m.Path,
            ["label"] = m.Label,
            ["distance"] = m.Distance,
        })]);
}
