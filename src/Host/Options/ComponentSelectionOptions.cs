using NirHost.Abstractions;

namespace NirHost.Host.Options;

/// <summary>Which components a run is assembled from, and the flags the original keeps beside them.</summary>
public sealed class ComponentSelectionOptions
{
    [Flag("loss", Help = "Training objective (a Criteria component).")]
    public string Loss { get; set; } = "margin";

    [Flag("batch_mining", Help = "Batch mining method for tuple-based criteria (a BatchMiners component).")]
    public string BatchMining { get; set; } = "distance";

    [Flag("data_sampler", Help = "Batch creation method (a Samplers component). class_random draws --samples_per_class samples per class.")]
    public string DataSampler { get; set; } = "class_random";

    [Flag("samples_per_class", Help = "Samples drawn per class before the next class is chosen; must divide --bs.", Min = 1, Max = 1_000_000)]
    public int SamplesPerClass { get; set; } = 2;

    [Flag("data_ssl_set", Help = "Obsolete in the original; only relevant for SSL-based extensions.")]
    public bool DataSslSet { get; set; }

    [Flag("arch", Help = "Network architecture (an Architectures component) with suffixes: _frozen keeps BatchNorm fixed, _normalize L2-normalises embeddings.")]
    public string Arch { get; set; } = "resnet50_frozen_normalize";

    [Flag("embed_dim", Help = "Embedding dimensionality (128 or 64 in most papers).", Min = 1, Max = 1_000_000)]
    public int EmbedDim { get; set; } = 128;

    [Flag("not_pretrained", Help = "Do not initialise the backbone with ImageNet weights.")]
    public bool NotPretrained { get; set; }

    [Flag("use_float16", Help = "Mixed precision (autocast) training.")]
    public bool UseFloat16 { get; set; }
}
