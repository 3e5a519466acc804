using System.Globalization;
using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// Checks after each backward pass that the loss, the embeddings and every gradient are finite, with a single
/// device synchronisation per step, and says precisely what broke when they are not.
/// </summary>
/// <remarks>
/// Sums in float64 carry the check: a NaN or an infinity anywhere in a tensor makes its sum non-finite, while
/// finite float32 values cannot overflow a float64 sum.
/// </remarks>
public sealed class NonFiniteGuard
{
    private readonly (string Name, TorchSharp.Modules.Parameter Parameter)[] _parameters;
    private readonly Criterion _criterion;
    private readonly string _criterionName;
    private readonly string _architectureName;

    public NonFiniteGuard(Architecture model, Criterion criterion, string criterionName, string architectureName)
    {
        _parameters =
        [
            .. model.named_parameters().Select(p => ("model." + p.name, p.parameter)),
            .. criterion.named_parameters().Select(p => ("criterion." + p.name, p.parameter)),
        ];
        _criterion = criterion;
        _criterionName = criterionName;
        _architectureName = architectureName;
    }

    /// <summary>The loss value, and a description of what is not finite (null when everything is).</summary>
    public (double Loss, string? Problem) Check(Tensor loss, Tensor embeddings, int epoch, int step)
    {
        using var scope = NewDisposeScope();
        var sums = new List<Tensor>(_parameters.Length + 2)
        {
            loss.detach().to(float64).reshape(1),
            embeddings.detach().sum(ScalarType.Float64).reshape(1),
        };
        var withGradient = new List<string>(_parameters.Length);
        foreach (var (name, parameter) in _parameters)
        {
            if (parameter.grad is { } gradient)
            {
                sums.Add(gradient.sum(ScalarType.Float64).reshape(1));
                withGradient.Add(name);
            }
        }
        var values = cat(sums).cpu().data<double>().ToArray();
        var lossValue = values[0];
        if (values.All(double.IsFinite))
        {
            return (lossValue, null);
        }
        var where = $"at epoch {epoch}, step {step}";
        if (!double.IsFinite(values[1]))
        {
            return (lossValue, $"The embeddings of architecture '{_architectureName}' became non-finite {where} " +
                $"(criterion '{_criterionName}', loss {Format(lossValue)}): the network's weights or its input are no longer finite numbers.");
        }
        if (!double.IsFinite(lossValue))
        {
            return (lossValue, $"The loss of criterion '{_criterionName}' became {Format(lossValue)} {where}{DescribeTerms()}.");
        }
        var broken = withGradient.Where((_, i) => !double.IsFinite(values[i + 2])).ToList();
        return (lossValue, $"The gradient of {string.Join(", ", broken.Take(5))}{(broken.Count > 5 ? $" and {broken.Count - 5} more parameters" : "")} " +
            $"became non-finite {where} while the loss of criterion '{_criterionName}' was {Format(lossValue)}.");
    }

    /// <summary>Which of the criterion's recorded terms are not finite; read only on this failure path.</summary>
    private string DescribeTerms()
    {
        if (_criterion.LossTerms.Count == 0)
        {
            return "";
        }
        var terms = _criterion.LossTerms.Select(pair => (pair.Key, Value: pair.Value.to(float64).cpu().item<double>())).ToList();
        var broken = terms.Where(t => !double.IsFinite(t.Value)).ToList();
        var fine = terms.Where(t => double.IsFinite(t.Value)).ToList();
        return broken.Count == 0
            ? $"; its terms were finite ({string.Join(", ", terms.Select(t => $"{t.Key} = {Format(t.Value)}"))}), their combination was not"
            : $"; non-finite term: {string.Join(", ", broken.Select(t => $"'{t.Key}' = {Format(t.Value)}"))}" +
              (fine.Count == 0 ? "" : $" (finite: {string.Join(", ", fine.Select(t => $"'{t.Key}' = {Format(t.Value)}"))})");
    }

    private static string Format(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "+inf",
        double.NegativeInfinity => "-inf",
        _ => value.ToString("G6", CultureInfo.InvariantCulture),
    };
}
