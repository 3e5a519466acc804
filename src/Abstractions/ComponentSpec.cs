namespace NirHost.Abstractions;

/// <summary>
/// How the user named a component. Metrics carry an argument after '@' (<c>e_recall@4</c>: argument "4");
/// architectures carry underscore suffixes (<c>resnet50_frozen_normalize</c>: suffixes frozen, normalize).
/// </summary>
public sealed record ComponentSpec(string FullName, string Name, string? Argument, IReadOnlySet<string> Suffixes)
{
    public bool HasSuffix(string suffix) => Suffixes.Contains(suffix);

    public static ComponentSpec Plain(string name) =>
        new(name, name, null, new HashSet<string>(StringComparer.Ordinal));
}
