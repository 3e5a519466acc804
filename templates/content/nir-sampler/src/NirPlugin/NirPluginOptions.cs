using NirHost.Abstractions;

namespace NirPlugin;

/// <summary>The flags of the nirplugin sampler; each property's initial value is its default.</summary>
public sealed class NirPluginOptions
{
    [Flag("sampler_nirplugin_batches", Help = "Batches per epoch; 0 takes as many as the training split fills.", Min = 0, Max = 1_000_000)]
    public int BatchesPerEpoch { get; set; }
}
