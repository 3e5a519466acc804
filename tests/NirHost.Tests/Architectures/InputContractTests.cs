using System.Text.Json;
using NirHost.Abstractions;
using NirHost.Plugins.Architectures;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Architectures;

/// <summary>Architectures declare their input on their type; the host reads it before anything is built.</summary>
public sealed class InputContractTests
{
    private static InputContract Declared(string arch)
    {
        var descriptor = HostHarness.Catalog.Find(ComponentKind.Architecture, arch.Split('_')[0])!;
        var suffixes = arch.Split('_').Skip(1).ToHashSet(StringComparer.Ordinal);
        return InputContract.Of(descriptor.Type, new ComponentSpec(arch, arch.Split('_')[0], null, suffixes));
    }

    [Fact]
    public void Each_architecture_declares_the_input_the_original_feeds_it()
    {
        Assert.Equal(InputContract.ImageNet, Declared("resnet50_frozen_normalize"));
        Assert.Equal(InputContract.ImageNet, Declared("resnet18"));
        Assert.Equal(InputContract.BnInception, Declared("bninception_normalize"));
        Assert.Equal(ColourOrder.Bgr, Declared("bninception").ColourOrder);
        Assert.Equal(new InputContract(0, 3, [0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f]), Declared("convnet_normalize"));
        Assert.Equal(new InputContract(0, 1, [0.5f], [0.25f]), Declared("convnet_gray_normalize"));
        // One that declares nothing gets ImageNet's.
        Assert.Equal(InputContract.ImageNet, InputContract.Of(typeof(InputContractTests), ComponentSpec.Plain("x")));
    }

    [Fact]
    public void The_gray_convnet_embeds_one_channel_images()
    {
        using var scope = NewDisposeScope();
        using var model = new ConvNetArchitecture(new ConvNetOptions { Width = 8 }, TestSetups.Create(), new ComponentSpec("convnet_gray", "convnet", null,
            new HashSet<string>(["gray"], StringComparer.Ordinal)));
        Assert.Equal([2L, 16], model.Forward(randn(2, 1, 32, 32), warmup: false).Embeddings.shape);
        Assert.ThrowsAny<Exception>(() => model.Forward(randn(2, 3, 32, 32), warmup: false));
    }

    [Fact]
    public void A_contract_is_checked_when_made_and_travels_as_plain_numbers()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new InputContract(0, 2, [0f, 0f], [1f, 1f]));
        Assert.Throws<ArgumentException>(() => new InputContract(0, 3, [0f], [1f, 1f, 1f]));
        Assert.Throws<ArgumentException>(() => new InputContract(0, 1, [0f], [0f]));

        var json = JsonSerializer.Serialize(InputContract.BnInception);
        Assert.Equal(InputContract.BnInception, JsonSerializer.Deserialize<InputContract>(json));
        Assert.Contains("\"ColourOrder\":1", json);
    }

    [Fact]
    public void Display_undoes_the_normalisation_in_rgb_order()
    {
        // One pixel of RGB (255, 128, 0), as BN-Inception receives it (BGR, its mean and std).
        var contract = InputContract.BnInception;
        float[] rgb = [255, 128, 0];
        var input = new float[3];
        for (var c = 0; c < 3; c++)
        {
            input[contract.Position(c)] = rgb[c] * contract.PixelScale(c) + contract.PixelShift(c);
        }
        using var shown = contract.ToDisplay(tensor(input).view(3, 1, 1));
        var values = shown.data<float>().ToArray();
        Assert.Equal(1f, values[0], 4);
        Assert.Equal(128f / 255f, values[1], 4);
        Assert.Equal(0f, values[2], 4);
    }
}
