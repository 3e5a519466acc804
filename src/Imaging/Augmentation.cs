namespace NirHost.Imaging;

/// <summary>The original's <c>--augmentation</c> variants of the training transform.</summary>
internal enum Augmentation
{
    /// <summary>RandomResizedCrop to the crop size and a horizontal flip.</summary>
    Base,

    /// <summary>As base, plus RandomGrayscale(0.2) and ColorJitter(0.2, 0.2, 0.2, 0.2).</summary>
    Adv,

    /// <summary>Resize the shorter side, RandomCrop, horizontal flip.</summary>
    Red,

    /// <summary>As base at the resize size (256 instead of 224), also for evaluation.</summary>
    Big,

    /// <summary>No random transform: training images are prepared as evaluation images are.</summary>
    None,
}

internal static class Augmentations
{
    public static Augmentation Parse(string name) => name switch
    {
        "base" => Augmentation.Base,
        "adv" => Augmentation.Adv,
        "red" => Augmentation.Red,
        "big" => Augmentation.Big,
        "none" => Augmentation.None,
        _ => throw new ArgumentException($"--augmentation {name} is not one of base, adv, red, big, none."),
    };
}
