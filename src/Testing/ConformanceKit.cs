using System.Reflection;
using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Testing;

/// <summary>
/// Checks components against their contracts: what <c>nirhost check-plugin</c> runs, callable from any test
/// framework. Each component is built as the host builds it and exercised on small, seeded inputs.
/// </summary>
public static class ConformanceKit
{
    /// <summary>Every component the assembly declares, in kind and name order. An assembly without components fails.</summary>
    public static IReadOnlyList<CheckResult> CheckAssembly(Assembly assembly, ConformanceOptions? options = null)
    {
        var components = ComponentTypes(assembly);
        if (components.Count == 0)
        {
            return [new CheckResult(assembly.GetName().Name ?? "plugin", "declares at least one component", CheckOutcome.Failed,
                "no public class carries a component attribute ([Criterion], [BatchMiner], [Sampler], [Dataset], [Metric] or [Architecture])")];
        }
        return [.. components.SelectMany(type => Check(type, options))];
    }

    /// <summary>The component types of an assembly, by kind and name.</summary>
    public static IReadOnlyList<Type> ComponentTypes(Assembly assembly)
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = [.. e.Types.OfType<Type>()];
        }
        return [.. types
            .Where(t => t.GetCustomAttribute<ComponentAttribute>(inherit: false) is not null)
            .OrderBy(t => t.GetCustomAttribute<ComponentAttribute>(inherit: false)!.Kind)
            .ThenBy(t => t.GetCustomAttribute<ComponentAttribute>(inherit: false)!.Name, StringComparer.Ordinal)];
    }

    /// <summary>Runs every check that applies to the component's kind.</summary>
    public static IReadOnlyList<CheckResult> Check(Type componentType, ConformanceOptions? options = null)
    {
        options ??= new ConformanceOptions();
        var attribute = componentType.GetCustomAttribute<ComponentAttribute>(inherit: false);
        if (attribute is null)
        {
            return [new CheckResult(componentType.FullName ?? componentType.Name, "carries a component attribute", CheckOutcome.Failed,
                "mark the class with [Criterion], [BatchMiner], [Sampler], [Dataset], [Metric] or [Architecture]")];
        }
        var checks = new CheckList($"{attribute.Kind} '{attribute.Name}'");
        var contract = attribute.Kind.ContractOf();
        if (!checks.Run($"is a concrete {contract.Name}", () =>
            {
                CheckFailure.Unless(contract.IsAssignableFrom(componentType) && !componentType.IsAbstract,
                    $"{componentType.FullName} does not derive from / implement {contract.FullName}");
                return "";
            }))
        {
            return checks.Results;
        }
        OptionsChecks.Run(checks, componentType, attribute);

        // Seeded, so that a failure is the same failure on every run.
        random.manual_seed(0);
        switch (attribute)
        {
            case CriterionAttribute criterion:
                CriterionChecks.Run(checks, componentType, criterion, options);
                break;
            case BatchMinerAttribute miner:
                BatchMinerChecks.Run(checks, componentType, miner, options);
                break;
            case SamplerAttribute sampler:
                SamplerConformance.Run(checks, componentType, sampler, options);
                break;
            case MetricAttribute metric:
                MetricChecks.Run(checks, componentType, metric, options);
                break;
            case DatasetAttribute:
                DatasetChecks.Run(checks, componentType, attribute, options);
                break;
            case ArchitectureAttribute:
                ArchitectureChecks.Run(checks, componentType, attribute, options);
                break;
        }
        return checks.Results;
    }

    /// <summary>Throws <see cref="ConformanceException"/> naming every failed check of the component.</summary>
    public static void AssertConforms(Type componentType, ConformanceOptions? options = null)
    {
        var results = Check(componentType, options);
        if (results.Any(r => r.Failed))
        {
            throw new ConformanceException(results);
        }
    }

    /// <summary>Throws <see cref="ConformanceException"/> naming every failed check of every component in the assembly.</summary>
    public static void AssertConforms(Assembly assembly, ConformanceOptions? options = null)
    {
        var results = CheckAssembly(assembly, options);
        if (results.Any(r => r.Failed))
        {
            throw new ConformanceException(results);
        }
    }

    internal static TrainingSetup Setup(ConformanceOptions options, int numClasses = 8, int batchSize = 16, int samplesPerClass = 4) => new()
    {
        EmbedDim = 16,
        NumClasses = numClasses,
        LearningRate = 1e-3,
        WeightDecay = 0,
        BatchSize = batchSize,
        SamplesPerClass = samplesPerClass,
        Seed = 0,
        Device = options.Device,
        PenultimateDim = 32,
    };
}
