using Microsoft.Extensions.Logging.Abstractions;
using NirHost.Abstractions;
using NirHost.Plugins.Architectures;
using NirHost.Tests.Support;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace NirHost.Tests.Architectures;

/// <summary>The ImageNet backbones: shapes, key names, the original's suffixes and loading PyTorch state dicts.</summary>
public sealed class BackboneTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static TrainingSetup Setup(int embedDim = 16) => new()
    {
        EmbedDim = embedDim, NumClasses = 4, LearningRate = 1e-3, WeightDecay = 0, BatchSize = 4, SamplesPerClass = 2, Seed = 0, Device = CPU,
    };

    private static ComponentSpec Spec(string name, params string[] suffixes) =>
        new(string.Join("_", [name, .. suffixes]), name, null, suffixes.ToHashSet(StringComparer.Ordinal));

    private static ResNet18Architecture ResNet18(BackboneOptions? options = null, params string[] suffixes) =>
        new(options ?? new BackboneOptions { NotPretrained = true }, Setup(), Spec("resnet18", suffixes), NullLogger<ResNet18Architecture>.Instance);

    [Fact]
    public void Networks_have_torchvision_and_pretrainedmodels_key_names_and_widths()
    {
        random.manual_seed(0);
        using var resnet18 = ResNet18();
        var keys18 = resnet18.state_dict().Keys.ToHashSet();
        Assert.Contains("conv1.weight", keys18);
        Assert.Contains("layer1.0.bn2.running_var", keys18);
        Assert.Contains("layer2.0.downsample.0.weight", keys18);
        Assert.Contains("layer4.1.conv2.weight", keys18);
        Assert.Contains("last_linear.weight", keys18);
        Assert.Equal(512, resnet18.PooledDim);
        // torchvision's resnet18 has 11,689,512 parameters, 513,000 of them in its 1000-way fc.
        Assert.Equal(11_689_512 - 513_000 + 512 * 16 + 16, resnet18.parameters().Sum(p => p.numel()));

        using var resnet50 = new ResNet50Architecture(new BackboneOptions { NotPretrained = true }, Setup(), Spec("resnet50"),
            NullLogger<ResNet50Architecture>.Instance);
        Assert.Equal(2048, resnet50.PooledDim);
        Assert.Equal(25_557_032 - 2_049_000 + 2048 * 16 + 16, resnet50.parameters().Sum(p => p.numel()));
        Assert.Contains("layer3.5.conv3.weight", resnet50.state_dict().Keys);

        using var inception = new BnInceptionArchitecture(new BackboneOptions { NotPretrained = true }, Setup(), Spec("bninception"),
            NullLogger<BnInceptionArchitecture>.Instance);
        var keys = inception.state_dict().Keys.ToHashSet();
        Assert.Contains("conv1_7x7_s2.bias", keys);
        Assert.Contains("inception_3c_double_3x3_2_bn.running_mean", keys);
        Assert.Contains("inception_5b_pool_proj.weight", keys);
        Assert.DoesNotContain("inception_4e_pool_proj.weight", keys);
        var output = inception.Forward(randn(2, 3, 96, 96), warmup: false);
        Assert.Equal([2L, 1024], output.PooledFeatures.shape);
        Assert.Equal([2L, 16], output.Embeddings.shape);
    }

    [Fact]
    public void Suffixes_normalise_freeze_batchnorm_and_add_max_pooling()
    {
        random.manual_seed(1);
        var input = randn(3, 3, 48, 48);
        using var plain = ResNet18();
        var state = plain.state_dict();
        using var normalized = ResNet18(null, "frozen", "normalize");
        normalized.load_state_dict(state);
        using var doubled = ResNet18(null, "double");
        doubled.load_state_dict(state);

        plain.eval();
        normalized.eval();
        doubled.eval();
        var embeddings = normalized.Forward(input, warmup: false).Embeddings;
        Assert.All(embeddings.norm(1).data<float>().ToArray(), n => Assert.Equal(1f, n, 4));
        var pooled = plain.Forward(input, warmup: false).PooledFeatures;
        var both = doubled.Forward(input, warmup: false).PooledFeatures;
        Assert.True((both - pooled).min().item<float>() >= 0f, "max + average pooling is at least the average");
        Assert.True((both - pooled).max().item<float>() > 0.01f);

        // _frozen: training mode leaves BatchNorm statistics untouched; without it they move.
        normalized.train();
        plain.train();
        var frozenBefore = normalized.state_dict()["bn1.running_mean"].clone();
        var plainBefore = plain.state_dict()["bn1.running_mean"].clone();
        normalized.Forward(input, warmup: false);
        plain.Forward(input, warmup: false);
        Assert.True(normalized.state_dict()["bn1.running_mean"].allclose(frozenBefore, rtol: 0, atol: 0));
        Assert.False(plain.state_dict()["bn1.running_mean"].allclose(plainBefore, rtol: 0, atol: 0));

        var error = Assert.Throws<ArgumentException>(() => ResNet18(null, "frozen", "lp2"));
        Assert.Contains("unknown suffix 'lp2'", error.Message);
    }

    [Fact]
    public void Warmup_trains_only_the_embedding_head()
    {
        random.manual_seed(2);
        using var model = ResNet18();
        model.train();
        model.Forward(randn(2, 3, 32, 32), warmup: true).Embeddings.sum().backward();
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Null(parameters["conv1.weight"].grad);
        Assert.NotNull(parameters["last_linear.weight"].grad);
    }

    [Fact]
    public void Pretrained_state_dicts_load_in_both_key_styles_and_misfits_list_the_keys()
    {
        random.manual_seed(3);
        using var source = ResNet18();
        var weights = source.state_dict().Where(p => !p.Key.StartsWith("last_linear.", StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value);

        // torchvision style: plain names and a 1000-way fc, pickled as torch.save(model.state_dict()) writes it.
        var torchvision = new Dictionary<string, Tensor>(weights) { ["fc.weight"] = randn(1000, 512), ["fc.bias"] = randn(1000) };
        var pth = Path.Combine(_folder.Path, "resnet18.pth");
        PyTorchPickler.PickleStateDict(pth, torchvision);
        using (var loaded = ResNet18(new BackboneOptions { PretrainedWeights = pth }))
        {
            Assert.True(loaded.state_dict()["layer3.1.conv2.weight"].allclose(weights["layer3.1.conv2.weight"], rtol: 0, atol: 0));
            Assert.True(loaded.state_dict()["bn1.running_var"].allclose(weights["bn1.running_var"], rtol: 0, atol: 0));
            Assert.Equal([16L, 512], loaded.state_dict()["last_linear.weight"].shape);
        }

        // pretrainedmodels style inside the original's saved network: model. prefix, last_linear, no num_batches_tracked.
        var pretrainedmodels = weights.Where(p => !p.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            .ToDictionary(p => "model." + p.Key, p => p.Value);
        pretrainedmodels["model.last_linear.weight"] = randn(1000, 512);
        var safetensors = Path.Combine(_folder.Path, "resnet18.safetensors");
        Safetensors.SaveStateDict(safetensors, pretrainedmodels);
        using (var loaded = ResNet18(new BackboneOptions { PretrainedWeights = safetensors }))
        {
            Assert.True(loaded.state_dict()["conv1.weight"].allclose(weights["conv1.weight"], rtol: 0, atol: 0));
        }

        var broken = new Dictionary<string, Tensor>(weights) { ["layer1.0.conv1.weight"] = randn(64, 64, 1, 1), ["extra.weight"] = randn(2) };
        broken.Remove("layer4.1.bn2.bias");
        var bad = Path.Combine(_folder.Path, "broken.pth");
        PyTorchPickler.PickleStateDict(bad, broken);
        var error = Assert.Throws<InvalidDataException>(() => ResNet18(new BackboneOptions { PretrainedWeights = bad }));
        Assert.Contains("missing keys (1): layer4.1.bn2.bias", error.Message);
        Assert.Contains("unexpected keys (1): extra.weight", error.Message);
        Assert.Contains("layer1.0.conv1.weight (file [64, 64, 1, 1], network [64, 64, 3, 3])", error.Message);

        var conflict = Assert.Throws<ArgumentException>(() => ResNet18(new BackboneOptions { PretrainedWeights = pth, NotPretrained = true }));
        Assert.Contains("--not_pretrained", conflict.Message);
    }
}
