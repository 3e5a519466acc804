using System.Globalization;
using NirHost.Abstractions;

namespace NirHost.Plugins.Metrics;

internal static class MetricArguments
{
    /// <summary>The positive k of names like <c>e_recall@4</c>.</summary>
    public static int PositiveK(ComponentSpec spec, string example)
    {
        if (spec.Argument is null
            || !int.TryParse(spec.Argument, NumberStyles.None, CultureInfo.InvariantCulture, out var k)
            || k < 1)
        {
            throw new ArgumentException($"Metric '{spec.FullName}' needs a positive k, as in {example}.");
        }
        return k;
    }

    public static void NoArgument(ComponentSpec spec)
    {
        if (spec.Argument is not null)
        {
            throw new ArgumentException($"Metric '{spec.Name}' takes no '@' argument; use it as {spec.Name}.");
        }
    }
}
