using System.Globalization;
using System.Reflection;
using NirHost.Abstractions;

namespace NirHost.Host.Cli;

/// <summary>One command-line flag, declared by a property of an options type.</summary>
public sealed class FlagDefinition
{
    public FlagDefinition(Type optionsType, PropertyInfo property, FlagAttribute attribute, string group, object defaultValue)
    {
        OptionsType = optionsType;
        Property = property;
        Attribute = attribute;
        Group = group;
        DefaultValue = defaultValue;
    }

    public string Name => Attribute.Name;

    public Type OptionsType { get; }

    public PropertyInfo Property { get; }

    public FlagAttribute Attribute { get; }

    /// <summary>Where --help lists it: "General", or the component that declares it.</summary>
    public string Group { get; }

    public object DefaultValue { get; }

    public Type ValueType => Property.PropertyType;

    public bool IsSwitch => ValueType == typeof(bool);

    public bool IsList => ValueType.IsArray;

    public Type ElementType => IsList ? ValueType.GetElementType()! : ValueType;

    public string TypeName => ElementType switch
    {
        var t when t == typeof(int) || t == typeof(long) => "int",
        var t when t == typeof(double) || t == typeof(float) => "float",
        var t when t == typeof(bool) => "switch",
        _ => "str",
    } + (IsList ? " ..." : "");

    public string FormatValue(object? value) => value switch
    {
        null => "",
        string s => s,
        Array array => string.Join(' ', array.Cast<object>().Select(FormatScalar)),
        _ => FormatScalar(value),
    };

    private static string FormatScalar(object value) =>
        value is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : value.ToString() ?? "";

    /// <summary>Converts the raw strings given for this flag, validating type, range and choices.</summary>
    public object Convert(IReadOnlyList<string> raw)
    {
        if (IsSwitch)
        {
            if (raw.Count > 0)
            {
                throw new CommandLineException($"--{Name} is a switch and takes no value (got '{raw[0]}').");
            }
            return true;
        }
        if (raw.Count == 0)
        {
            throw new CommandLineException($"--{Name} expects {(IsList ? "one or more values" : "a value")} ({TypeName}).");
        }
        if (!IsList)
        {
            if (raw.Count > 1)
            {
                throw new CommandLineException($"--{Name} takes one value but got {raw.Count}: {string.Join(' ', raw)}.");
            }
            return ConvertScalar(raw[0]);
        }
        var array = Array.CreateInstance(ElementType, raw.Count);
        for (var i = 0; i < raw.Count; i++)
        {
            array.SetValue(ConvertScalar(raw[i]), i);
        }
        return array;
    }

    private object ConvertScalar(string text)
    {
        object value;
        if (ElementType == typeof(string))
        {
            if (text.Length == 0)
            {
                throw new CommandLineException($"--{Name} expects a non-empty value.");
            }
            if (text.Any(char.IsControl))
            {
                throw new CommandLineException($"--{Name}: the value contains a control character (such as a NUL or a line break).");
            }
            value = text;
        }
        else if (ElementType == typeof(int))
        {
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
            {
                throw new CommandLineException(long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) || IsLongDigits(text)
                    ? $"--{Name}: {text} is out of range for an integer."
                    : $"--{Name} expects an integer, got '{text}'.");
            }
            value = parsed;
        }
        else if (ElementType == typeof(long))
        {
            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
            {
                throw new CommandLineException($"--{Name} expects an integer, got '{text}'.");
            }
            value = parsed;
        }
        else if (ElementType == typeof(double) || ElementType == typeof(float))
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || !double.IsFinite(parsed))
            {
                throw new CommandLineException($"--{Name} expects a finite number, got '{text}'.");
            }
            if (ElementType == typeof(float) && Math.Abs(parsed) > float.MaxValue)
            {
                throw new CommandLineException($"--{Name}: {text} is out of range.");
            }
            value = ElementType == typeof(float) ? (float)parsed : parsed;
        }
        else
        {
            throw new InvalidOperationException($"Flag --{Name} has unsupported type {ElementType}.");
        }

        if (Attribute.Choices is { } choices && !choices.Contains(text, StringComparer.Ordinal))
        {
            throw new CommandLineException($"--{Name}: '{text}' is not one of {string.Join(", ", choices)}.");
        }
        if (value is IConvertible && ElementType != typeof(string))
        {
            var number = System.Convert.ToDouble(value, CultureInfo.InvariantCulture);
            if (number < Attribute.Min || number > Attribute.Max)
            {
                throw new CommandLineException($"--{Name}: {text} is out of range ({DescribeRange()}).");
            }
        }
        return value;
    }

    private static bool IsLongDigits(string text) => text.TrimStart('-', '+').All(char.IsAsciiDigit) && text.Length > 0;

    private string DescribeRange()
    {
        var min = Attribute.Min;
        var max = Attribute.Max;
        if (double.IsNegativeInfinity(min))
        {
            return $"at most {max.ToString(CultureInfo.InvariantCulture)}";
        }
        return double.IsPositiveInfinity(max)
            ? $"at least {min.ToString(CultureInfo.InvariantCulture)}"
            : $"{min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
    }
}
