using System.Reflection;
using NirHost.Abstractions;

namespace NirHost.Testing;

/// <summary>
/// The kit's <see cref="ICriterionFactory"/>, for criteria that build others by name (S2SD's source and target
/// criteria): what the host's factory does, without the host. It builds a named criterion among the ones it is
/// given as the kit builds components (options as <see cref="ConformanceOptions.Services"/> supplies them, else at
/// their defaults) and gives one that needs a batch miner the kit's <see cref="ValidTripletMiner"/>, so that the
/// composing criterion is checked, not an installed miner.
/// </summary>
public sealed class ConformanceCriterionFactory(IEnumerable<Type> criteria, ConformanceOptions? options = null) : ICriterionFactory
{
    private readonly IReadOnlyList<(string Name, Type Type, CriterionAttribute Attribute)> _criteria = [.. criteria
        .Select(type => (Type: type, Attribute: type.GetCustomAttribute<CriterionAttribute>(inherit: false)))
        .Where(c => c.Attribute is not null)
        .Select(c => (c.Attribute!.Name, c.Type, c.Attribute!))];

    private readonly ConformanceOptions _options = options ?? new ConformanceOptions();

    /// <summary>The names it can build, in the order given.</summary>
    public IReadOnlyList<string> Names => [.. _criteria.Select(c => c.Name).Distinct(StringComparer.Ordinal)];

    public Criterion Create(string name, TrainingSetup setup, string flag)
    {
        var (_, type, attribute) = _criteria.FirstOrDefault(c => c.Name == name);
        if (type is null)
        {
            throw new ArgumentException(
                $"--{flag} {name}: the conformance kit knows no criterion of that name (it knows: {(Names.Count == 0 ? "none" : string.Join(", ", Names))}); " +
                "list its type in ConformanceOptions.ComposableCriteria.");
        }
        var services = new ConformanceServices(_options, setup, type.Assembly);
        return (Criterion)(attribute.RequiresBatchMiner
            ? services.Create(type, ComponentSpec.Plain(name), new ValidTripletMiner())
            : services.Create(type, ComponentSpec.Plain(name)));
    }
}
