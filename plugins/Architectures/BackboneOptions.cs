using NirHost.Abstractions;

namespace NirHost.Plugins.Architectures;

/// <summary>Flags of the ImageNet backbones (resnet18, resnet50, bninception).</summary>
public sealed class BackboneOptions
{
    [Flag("pretrained_weights", Help = "PyTorch state dict (.pth/.pt pickle or .safetensors, torchvision or pretrainedmodels key names) " +
        "to initialise the backbone with, e.g. ImageNet weights; its classifier (fc / last_linear) is left out.")]
    public string PretrainedWeights { get; set; } = "";

    [Flag("not_pretrained", Help = "Do not initialise the backbone with ImageNet weights.")]
    public bool NotPretrained { get; set; }
}
