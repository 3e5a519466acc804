using Microsoft.Extensions.Logging.Abstractions;
using NirHost.Abstractions;
using NirHost.Host.IO;
using NirHost.Plugins.Architectures;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace NirHost.Tests.Support;

/// <summary>One compared quantity of a backbone fixture: its relative error (max |actual - expected| / max |expected|) and tolerance.</summary>
public sealed record ParityMeasure(string What, double Error, double Tolerance)
{
    public bool Passed => Error <= Tolerance;

    public override string ToString() => $"{What}: relative error {Error:E2} (tolerance {Tolerance:E0})";
}

/// <summary>
/// Runs one backbone fixture through NirHost: the weights go in through <c>--pretrained_weights</c> in the given format, the
/// embedding head (which that flag never loads) from the same file, then a forward and backward pass of
/// <c>sum(embeds * target)</c> in eval mode and then in train mode, compared with what the original computed (on a fresh
/// network per mode).
/// </summary>
public static class BackboneParity
{
    /// <summary>Float32 outputs and BatchNorm statistics: 1e-4 relative.</summary>
    public const double OutputTolerance = 1e-4;

    /// <summary>Gradients, whose sums run longer and through max-pooling and ReLU switches: 1e-3 relative.</summary>
    public const double GradientTolerance = 1e-3;

    public static IReadOnlyList<ParityMeasure> Measure(string folder, string entry, string format, string scratch)
    {
        using var fixture = ReferenceFixtures.Load(entry, folder);
        var arch = fixture.Get<string>("arch");
        var weightFiles = fixture.Entry["weights"]!.AsArray().Select(node => node!.GetValue<string>()).ToList();
        var safetensors = BackboneFixtures.UnzipShared(folder, weightFiles.Single(f => f.EndsWith(".safetensors.gz", StringComparison.Ordinal)), scratch);
        var weights = SafeTensorsFile.Read(safetensors);
        Dictionary<string, Tensor>? input = null;
        try
        {
            var path = format switch
            {
                "safetensors" => safetensors,
                "pth" => PickleFile(folder, weightFiles, weights, scratch, fixture.Get<string>("backbone")),
                _ => throw new ArgumentException($"Unknown weights format {format}.", nameof(format)),
            };
            input = SafeTensorsFile.Read(Path.Combine(folder, fixture.Get<string>("input")));
            var measures = new List<ParityMeasure>();
            using var network = Build(arch, fixture.Get<int>("embed_dim"), path);
            LoadHead(network, weights);
            // Eval first: it changes no running statistics, so after its gradients are cleared the train step starts from
            // the loaded state, as the original's fresh network did.
            measures.AddRange(Run(network, "eval", fixture, input["input.x"], input["input.target"]));
            network.zero_grad();
            measures.AddRange(Run(network, "train", fixture, input["input.x"], input["input.target"]));
            return measures;
        }
        finally
        {
            foreach (var tensor in weights.Values.Concat(input?.Values.AsEnumerable() ?? []))
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>The fixture's own torch.save pickle where it has one, else the same tensors pickled as torch.save writes them.</summary>
    private static string PickleFile(string folder, List<string> weightFiles, Dictionary<string, Tensor> weights, string scratch, string backbone)
    {
        var committed = weightFiles.FirstOrDefault(f => f.EndsWith(".pth.gz", StringComparison.Ordinal));
        if (committed is not null)
        {
            return BackboneFixtures.UnzipShared(folder, committed, scratch);
        }
        var path = Path.Combine(scratch, backbone + "_weights.pth");
        PyTorchPickler.PickleStateDict(path, weights);
        return path;
    }

    private static Architecture Build(string arch, int embedDim, string weights)
    {
        var parts = arch.Split('_');
        var spec = new ComponentSpec(arch, parts[0], null, parts.Skip(1).ToHashSet(StringComparer.Ordinal));
        var options = new BackboneOptions { PretrainedWeights = weights };
        var setup = TestSetups.Create(embedDim: embedDim);
        return parts[0] switch
        {
            "resnet18" => new ResNet18Architecture(options, setup, spec, NullLogger<ResNet18Architecture>.Instance),
            "resnet50" => new ResNet50Architecture(options, setup, spec, NullLogger<ResNet50Architecture>.Instance),
            "bninception" => new BnInceptionArchitecture(options, setup, spec, NullLogger<BnInceptionArchitecture>.Instance),
            _ => throw new ArgumentException($"No backbone {parts[0]}.", nameof(arch)),
        };
    }

    /// <summary>The original's <c>last_linear</c> is the embedding head; <c>--pretrained_weights</c> leaves it out by design.</summary>
    private static void LoadHead(Architecture network, Dictionary<string, Tensor> weights)
    {
        using var _ = no_grad();
        var state = network.state_dict();
        foreach (var key in new[] { "last_linear.weight", "last_linear.bias" })
        {
            state[key].copy_(weights[key].to(state[key].dtype));
        }
    }

    private static List<ParityMeasure> Run(Architecture network, string mode, ReferenceFixture fixture, Tensor input, Tensor target)
    {
        using var scope = NewDisposeScope();
        network.train(mode == "train");
        var x = input.to(float32).clone().requires_grad_(true);
        var output = network.Forward(x, warmup: false);
        var loss = output.Embeddings.mul(target.to(float32)).sum();
        loss.backward();
        var measures = new List<ParityMeasure>
        {
            Compare($"{mode} pooled", fixture[$"expect.{mode}.pooled"], output.PooledFeatures, OutputTolerance),
            Compare($"{mode} embeds", fixture[$"expect.{mode}.embeds"], output.Embeddings, OutputTolerance),
            Compare($"{mode} loss", fixture[$"expect.{mode}.loss"], loss, OutputTolerance),
            Compare($"{mode} grad input", fixture[$"expect.{mode}.grad.input"], x.grad!, GradientTolerance),
        };
        var parameters = network.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        foreach (var name in fixture.Entry["grad_params"]![mode]!.AsArray().Select(node => node!.GetValue<string>()))
        {
            var grad = parameters[name].grad
                ?? throw new InvalidOperationException($"{fixture.Name}: {name} got no gradient in {mode} mode.");
            measures.Add(Compare($"{mode} grad {name}", fixture[$"expect.{mode}.grad.param.{name}"], grad, GradientTolerance));
        }
        if (mode == "train")
        {
            // Running statistics after the one train-mode step: momentum, the unbiased variance, and _frozen leaving them alone.
            var state = network.state_dict();
            const string prefix = "expect.train.state.";
            var expected = fixture.Tensors.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            if (expected.Count == 0)
            {
                throw new InvalidDataException($"{fixture.Name}: no running statistics in the fixture.");
            }
            var worst = expected.Select(k => Compare(k[prefix.Length..], fixture[k], state[k[prefix.Length..]], OutputTolerance)).MaxBy(m => m.Error)!;
            measures.Add(worst with { What = $"train running statistics ({expected.Count} buffers, worst {worst.What})" });
        }
        return measures;
    }

    private static ParityMeasure Compare(string what, Tensor expected, Tensor actual, double tolerance)
    {
        if (expected.numel() != actual.numel() || (expected.numel() > 1 && !expected.shape.SequenceEqual(actual.shape)))
        {
            return new ParityMeasure($"{what} shape [{string.Join(", ", actual.shape)}] vs [{string.Join(", ", expected.shape)}]", double.PositiveInfinity, tolerance);
        }
        using var e = expected.to(float64).reshape(actual.shape);
        using var a = actual.detach().to(float64);
        var scale = e.abs().max().item<double>();
        var error = (a - e).abs().max().item<double>();
        // A quantity the original computed as all zeros must be all zeros here too.
        var relative = scale > 0 ? error / scale : error;
        return new ParityMeasure(what, double.IsNaN(relative) ? double.PositiveInfinity : relative, tolerance);
    }
}
