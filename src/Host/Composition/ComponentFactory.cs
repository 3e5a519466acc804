using Microsoft.Extensions.DependencyInjection;
using NirHost.Abstractions;
using NirHost.Host.Cli;
using NirHost.Host.Plugins;

namespace NirHost.Host.Composition;

/// <summary>
/// Builds components chosen by name, by the rule every component is built by (<see cref="ComponentActivator"/>):
/// constructor arguments come from the service provider, except the <see cref="ComponentSpec"/> of the name the user
/// typed and any extra arguments given here.
/// </summary>
public sealed class ComponentFactory(PluginCatalog catalog, IServiceProvider services)
{
    private readonly List<(object Component, ComponentDescriptor Descriptor)> _created = [];

    public T Create<T>(ComponentKind kind, string fullName, string flag, params object[] extra) where T : class
    {
        var spec = ParseSpec(kind, fullName);
        var descriptor = Resolve(kind, spec, flag);
        try
        {
            var component = (T)ComponentActivator.Create(descriptor.Type, spec, services, extra);
            lock (_created)
            {
                _created.Add((component, descriptor));
            }
            return component;
        }
        catch (Exception e) when (e is not ComponentException and not CommandLineException)
        {
            throw Wrap(descriptor, e);
        }
    }

    /// <summary>The installed component of that kind and name, or null.</summary>
    public ComponentDescriptor? Find(ComponentKind kind, string name) => catalog.Find(kind, name);

    public ComponentDescriptor Resolve(ComponentKind kind, ComponentSpec spec, string flag)
    {
        var descriptor = catalog.Find(kind, spec.Name);
        if (descriptor is not null)
        {
            return descriptor;
        }
        var known = catalog.OfKind(kind).Select(c => c.Name).ToList();
        var suggestion = Suggestions.Closest(spec.Name, known);
        throw new CommandLineException(
            $"--{flag}: no {kind} named '{spec.Name}' is installed" +
            (suggestion is null ? "" : $" (did you mean '{suggestion}'?)") +
            $". Available: {(known.Count == 0 ? "none" : string.Join(", ", known))}.");
    }

    /// <summary>Splits <c>e_recall@4</c> into name and argument, and <c>resnet50_frozen_normalize</c> into name and suffixes.</summary>
    public ComponentSpec ParseSpec(ComponentKind kind, string fullName)
    {
        switch (kind)
        {
            case ComponentKind.Metric:
            {
                var at = fullName.IndexOf('@');
                return at < 0
                    ? ComponentSpec.Plain(fullName)
                    : new ComponentSpec(fullName, fullName[..at], fullName[(at + 1)..], new HashSet<string>(StringComparer.Ordinal));
            }
            case ComponentKind.Architecture:
            {
                // The longest installed name that prefixes the full name wins, so names may contain underscores.
                var match = catalog.OfKind(kind)
                    .Select(c => c.Name)
                    .Where(name => fullName == name || fullName.StartsWith(name + "_", StringComparison.Ordinal))
                    .OrderByDescending(name => name.Length)
                    .FirstOrDefault();
                var name = match ?? fullName.Split('_')[0];
                var suffixes = fullName.Length > name.Length
                    ? fullName[(name.Length + 1)..].Split('_', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal)
                    : new HashSet<string>(StringComparer.Ordinal);
                return new ComponentSpec(fullName, name, null, suffixes);
            }
            default:
                return ComponentSpec.Plain(fullName);
        }
    }

    /// <summary>
    /// Names the plugin component an exception came from: the component whose code is deepest in the exception's
    /// stack, so that a miner called by a criterion is blamed itself.
    /// </summary>
    /// <returns>A <see cref="ComponentException"/>, or the exception itself when no plugin component is involved.</returns>
    public Exception Blame(Exception exception, object? called, string activity)
    {
        List<(object Component, ComponentDescriptor Descriptor)> created;
        lock (_created)
        {
            created = [.. _created];
        }
        var calledDescriptor = called is null ? null : created.FirstOrDefault(c => ReferenceEquals(c.Component, called)).Descriptor;
        // Only plugin code on the exception's stack is blamed: a host or libtorch failure stays what it is.
        var descriptor = ThrowingComponent(exception, created, calledDescriptor);
        var what = $"{exception.GetType().Name} while {activity}: {exception.Message}";
        return descriptor is null ? exception : new ComponentException(descriptor, what, exception);
    }

    private static ComponentDescriptor? ThrowingComponent(Exception exception, List<(object Component, ComponentDescriptor Descriptor)> created,
        ComponentDescriptor? called)
    {
        var frames = new System.Diagnostics.StackTrace(exception, fNeedFileInfo: false).GetFrames();
        foreach (var frame in frames)
        {
            var type = frame.GetMethod()?.DeclaringType;
            if (type is null)
            {
                continue;
            }
            for (var outer = type; outer is not null; outer = outer.DeclaringType)
            {
                var exact = created.FirstOrDefault(c => c.Descriptor.Type == outer).Descriptor;
                if (exact is not null)
                {
                    return exact;
                }
            }
            // A helper type of a plugin assembly: blame the called component when it lives there, else the first from there.
            var sameAssembly = created.Where(c => c.Descriptor.Type.Assembly == type.Assembly).Select(c => c.Descriptor).ToList();
            if (sameAssembly.Count > 0)
            {
                return called is not null && sameAssembly.Contains(called) ? called : sameAssembly[0];
            }
        }
        return null;
    }

    private static Exception Wrap(ComponentDescriptor descriptor, Exception inner) =>
        inner is CommandLineException or ComponentException ? inner : new ComponentException(descriptor, inner.Message, inner);
}

/// <summary>A failure inside a plugin component; the message names the component, its kind and its assembly.</summary>
public sealed class ComponentException(ComponentDescriptor descriptor, string message, Exception? inner = null)
    : Exception($"{descriptor.Kind} '{descriptor.Name}' ({descriptor.Type.FullName} in {descriptor.AssemblyPath}): {message}", inner)
{
    public ComponentDescriptor Descriptor { get; } = descriptor;
}
