using BenchmarkDotNet.Attributes;
using NirHost.Abstractions;
using NirHost.Plugins.Criteria;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Benchmarks;

/// <summary>
/// One NIR training step's criterion work (forward and backward) at the paper's defaults: batch 90, embed_dim 128,
/// 100 classes, 5 coupling blocks with 8-layer, 128-wide subnets, float32, two threads. The baseline is the same
/// flow written straight through with the same weights, so the ratio is the price of the modular implementation.
/// </summary>
[MemoryDiagnoser]
public class NirStepBenchmark
{
    private const int Batch = 90;
    private const int Dim = 128;
    private const int Classes = 100;

    private NirCriterion _criterion = null!;
    private Tensor _x = null!;
    private Tensor _labels = null!;
    private List<Parameter> _parameters = null!;
    private Parameter _proxies = null!;
    private (Tensor Perm, Tensor[] Subnet1, Tensor[] Subnet2)[] _blocks = null!;
    private readonly ProxyAnchorOptions _proxyOptions = new();
    private readonly NirOptions _options = new();

    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(2);
        random.manual_seed(0);
        var setup = new TrainingSetup
        {
            EmbedDim = Dim, NumClasses = Classes, LearningRate = 1e-5, WeightDecay = 4e-4, BatchSize = Batch,
            SamplesPerClass = 2, Seed = 0, Device = CPU,
        };
        _criterion = new NirCriterion(_options, _proxyOptions, setup);
        _x = nn.functional.normalize(randn(Batch, Dim), dim: 1).requires_grad_(true);
        _labels = arange(Batch / 2, dtype: int64).repeat_interleave(2);
        _parameters = [.. _criterion.parameters()];
        _proxies = _criterion.Proxies;

        // The baseline reads the criterion's own tensors, so both compute the same numbers.
        var state = _criterion.state_dict();
        _blocks = new (Tensor, Tensor[], Tensor[])[_options.CBlocks];
        for (var k = 0; k < _options.CBlocks; k++)
        {
            var prefix = $"normflow.normflow.module_list.{2 * k + 1}.";
            Tensor[] Layers(string subnet) => Enumerable.Range(0, _options.FcDepth)
                .SelectMany(i => new[] { state[$"{prefix}{subnet}.{2 * i}.weight"], state[$"{prefix}{subnet}.{2 * i}.bias"] }).ToArray();
            _blocks[k] = (state[$"normflow.normflow.module_list.{2 * k}.perm"], Layers("subnet1"), Layers("subnet2"));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _criterion.Dispose();
        _x.Dispose();
        _labels.Dispose();
    }

    [Benchmark(Description = "NirCriterion forward+backward")]
    public double Nir()
    {
        using var scope = NewDisposeScope();
        ClearGradients();
        var loss = _criterion.forward(new CriterionBatch(_x, _labels));
        loss.backward();
        return loss.item<float>();
    }

    [Benchmark(Baseline = true, Description = "straight-line flow forward+backward")]
    public double StraightLine()
    {
        using var scope = NewDisposeScope();
        ClearGradients();
        var alignment = ProxyAnchorLoss.Compute(_x, _labels, _proxies, _proxyOptions, nca: false);
        var condition = nn.functional.normalize(_proxies, dim: -1).index_select(0, _labels);
        var h = _x;
        Tensor? logDet = null;
        const int half = Dim / 2;
        foreach (var (perm, subnet1, subnet2) in _blocks)
        {
            h = h.index_select(1, perm);
            var x1 = h.narrow(1, 0, half);
            var x2 = h.narrow(1, half, half);
            var a2 = Mlp(cat([x2, condition], 1), subnet2);
            var s2 = a2.narrow(1, 0, half).atan().mul(0.636).mul(_options.ClampAlpha);
            var y1 = s2.exp().mul(x1).add(a2.narrow(1, half, half));
            var a1 = Mlp(cat([y1, condition], 1), subnet1);
            var s1 = a1.narrow(1, 0, half).atan().mul(0.636).mul(_options.ClampAlpha);
            var y2 = s1.exp().mul(x2).add(a1.narrow(1, half, half));
            var blockLogDet = s2.sum(1).add(s1.sum(1));
            logDet = logDet is null ? blockLogDet : logDet.add(blockLogDet);
            h = cat([y1, y2], 1);
        }
        var nll = h.square().sum(1).mul(0.5).sub(logDet!).to(float64);
        var loss = nll.exp().mean().add(alignment.to(float64).mul(_options.WAlign)).to(float32);
        loss.backward();
        return loss.item<float>();
    }

    private static Tensor Mlp(Tensor input, Tensor[] layers)
    {
        var h = input;
        for (var i = 0; i < layers.Length; i += 2)
        {
            h = nn.functional.linear(h, layers[i], layers[i + 1]);
            if (i + 2 < layers.Length)
            {
                h = nn.functional.relu(h);
            }
        }
        return h;
    }

    private void ClearGradients()
    {
        foreach (var parameter in _parameters)
        {
            parameter.grad?.zero_();
        }
        _x.grad?.zero_();
    }
}
