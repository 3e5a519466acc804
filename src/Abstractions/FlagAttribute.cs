namespace NirHost.Abstractions;

/// <summary>
/// Declares an options property as a command-line flag under the original's exact name
/// (<c>loss_oproxy_pos_alpha</c> becomes <c>--loss_oproxy_pos_alpha</c>). The property's initial value is the default.
/// A <see cref="bool"/> property is a switch (argparse's <c>store_true</c>); an array property takes one or more values.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = true, AllowMultiple = false)]
public sealed class FlagAttribute(string name) : Attribute
{
    public string Name { get; } = name;

    public string Help { get; init; } = "";

    /// <summary>When set, only these values are accepted (compared ordinally).</summary>
    public string[]? Choices { get; init; }

    /// <summary>Inclusive lower bound for numeric flags.</summary>
    public double Min { get; init; } = double.NegativeInfinity;

    /// <summary>Inclusive upper bound for numeric flags.</summary>
    public double Max { get; init; } = double.PositiveInfinity;
}
