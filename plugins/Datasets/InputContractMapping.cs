using NirHost.Abstractions;
using NirHost.Imaging;

namespace NirHost.Plugins.Datasets;

/// <summary>
/// The architecture's <see cref="InputContract"/> as the Imaging library's <see cref="ImageInput"/> and back: the same
/// numbers, so that training, evaluation and inference without TorchSharp prepare images with one pipeline.
/// </summary>
internal static class InputContractMapping
{
    public static ImageInput ToImageInput(this InputContract contract) =>
        new(contract.Size, contract.Channels, contract.Mean, contract.Std,
            contract.ColourOrder == ColourOrder.Bgr ? ImageColourOrder.Bgr : ImageColourOrder.Rgb, contract.ValueScale);

    public static InputContract ToContract(this ImageInput input) =>
        new(input.Size, input.Channels, input.Mean, input.Std,
            input.ColourOrder == ImageColourOrder.Bgr ? ColourOrder.Bgr : ColourOrder.Rgb, input.ValueScale);
}
