using NirHost.Abstractions;
using TorchSharp;
using static TorchSharp.torch;

namespace NirHost.Testing;

/// <summary>
/// A criterion returns a finite scalar for a normal batch, a batch with one sample per class and a batch of a
/// single class; gradients reach the embeddings, and back-propagation runs for every batch (the host calls backward
/// on every step's loss, so a batch with nothing to learn from must give a zero that keeps the graph, not a
/// constant); all of it in every requested precision on the given device.
/// </summary>
internal static class CriterionChecks
{
    private const int Classes = 8;
    private const int EmbedDim = 16;

    public static void Run(CheckList checks, Type type, CriterionAttribute attribute, ConformanceOptions options)
    {
        var setup = ConformanceKit.Setup(options, numClasses: Classes);
        var services = new ConformanceServices(options, setup, type.Assembly);
        // The kit's own miner, not an installed one: this checks the criterion, including with zero mined triplets.
        IBatchMiner? miner = attribute.RequiresBatchMiner ? new ValidTripletMiner() : null;
        // As the host does: the miner, built first, is a constructor argument of the criterion that allows it.
        object Build() => miner is null
            ? services.Create(type, ComponentSpec.Plain(attribute.Name))
            : services.Create(type, ComponentSpec.Plain(attribute.Name), miner);

        if (miner is not null && !checks.Run("takes the batch miner it declares allowed miners for", () =>
            {
                CheckFailure.Unless(ComponentActivator.ConstructorOf(type)?.GetParameters().Any(p => p.ParameterType == typeof(IBatchMiner)) == true,
                    $"it declares AllowedMiners ({string.Join(", ", attribute.AllowedMiners)}) but its constructor takes no IBatchMiner, " +
                    "so it never sees the run's miner");
                return "";
            }))
        {
            return;
        }

        Criterion? probe = null;
        if (!checks.Run("is built with its default options", () =>
            {
                probe = (Criterion)Build();
                return miner is null ? "" : "batches mined by the kit's valid-triplet miner";
            }))
        {
            return;
        }
        using (probe)
        {
            checks.Run("parameter groups hold every trainable parameter once", () => CheckGroups(probe!, setup));
        }

        var device = options.Device;
        foreach (var dtype in options.CriterionTypes)
        {
            var where = $"{dtype.ToString().ToLowerInvariant()} on {device}";
            random.manual_seed(0);
            Criterion criterion;
            try
            {
                criterion = (Criterion)Build();
                criterion.to(device).to(dtype);
                criterion.train();
            }
            catch (Exception e)
            {
                checks.Fail($"{where}: moves to the device and precision", $"{e.GetType().Name}: {e.Message.Split('\n')[0]}");
                continue;
            }
            using (criterion)
            {
                var batches = new (string Name, long[] Labels)[]
                {
                    ("normal batch", [.. Enumerable.Range(0, 16).Select(i => (long)(i / 4))]),
                    ("one sample per class", [.. Enumerable.Range(0, Classes).Select(i => (long)i)]),
                    ("a batch of one class", [.. Enumerable.Repeat(5L, 8)]),
                };
                foreach (var (name, labels) in batches)
                {
                    using var scope = NewDisposeScope();
                    var embeddings = nn.functional.normalize(randn(labels.Length, EmbedDim, dtype: dtype, device: device), dim: 1)
                        .detach().requires_grad_(true);
                    var labelTensor = tensor(labels, device: device);
                    Tensor? loss = null;
                    var scalarOk = checks.Run($"{where}: {name} gives a finite scalar", () =>
                    {
                        loss = criterion.call(new CriterionBatch(embeddings, labelTensor)
                        {
                            PooledFeatures = randn(labels.Length, setup.PenultimateDim, dtype: dtype, device: device),
                            Random = new Random(0),
                        });
                        CheckFailure.Unless(loss.numel() == 1 && loss.dim() <= 1, $"returned shape [{string.Join(", ", loss.shape)}], expected a scalar");
                        // float64 is allowed for any embeddings: a loss may be formed in wider precision so that it stays a
                        // number where the embeddings' precision overflows (NIR's --loss_nir_safe_flow).
                        CheckFailure.Unless(loss.dtype == dtype || loss.dtype == ScalarType.Float64,
                            $"returned {loss.dtype} for {dtype} embeddings (expected {dtype}, or float64)");
                        CheckFailure.Unless(loss.device.type == device.type, $"returned a tensor on {loss.device}, expected {device}");
                        var value = loss.detach().cpu().to(float64).item<double>();
                        CheckFailure.Unless(double.IsFinite(value), $"loss is {value}");
                        return $"{value:G4}";
                    });
                    if (!scalarOk || loss is null)
                    {
                        continue;
                    }
                    var gradientCheck = name == "normal batch" ? $"{where}: gradients reach the embeddings" : $"{where}: {name} gives finite gradients";
                    checks.Run(gradientCheck, () =>
                    {
                        CheckFailure.Unless(loss.requires_grad, name == "normal batch"
                            ? "the loss does not depend on the embeddings (no autograd graph)"
                            : "the loss is a constant without an autograd graph, so the host's backward pass would fail: " +
                              "return a zero built from the embeddings (embeddings.sum() * 0)");
                        loss.backward();
                        var grad = embeddings.grad;
                        if (grad is null)
                        {
                            CheckFailure.Unless(name != "normal batch", "no gradient reached the embeddings");
                            return "no gradient";
                        }
                        var g = grad.cpu().to(float64);
                        CheckFailure.Unless(g.isfinite().all().item<bool>(), "the embeddings' gradient holds NaN or infinity");
                        var norm = g.norm().item<double>();
                        CheckFailure.Unless(name != "normal batch" || norm > 0, "the embeddings' gradient is zero everywhere");
                        return $"|grad| {norm:G3}";
                    });
                }
            }
        }
    }

    private static string CheckGroups(Criterion criterion, TrainingSetup setup)
    {
        var trainable = criterion.parameters().Where(p => p.requires_grad).ToList();
        var grouped = criterion.ParameterGroups(setup).SelectMany(g => g.Parameters).ToList();
        foreach (var parameter in trainable)
        {
            var count = grouped.Count(p => ReferenceEquals(p, parameter) || p.Handle == parameter.Handle);
            CheckFailure.Unless(count == 1, count == 0
                ? $"a trainable parameter of shape [{string.Join(", ", parameter.shape)}] is in no group, so it would never train"
                : $"a parameter of shape [{string.Join(", ", parameter.shape)}] is in {count} groups");
        }
        foreach (var group in criterion.ParameterGroups(setup))
        {
            CheckFailure.Unless(double.IsFinite(group.LearningRate) && group.LearningRate >= 0, $"group '{group.Name}' has learning rate {group.LearningRate}");
        }
        return $"{trainable.Count} trainable tensors";
    }
}
