using NirHost.Abstractions;
using static TorchSharp.torch;

namespace NirHost.Testing;

/// <summary>
/// A dataset's splits are labelled consistently, load as image batches of the architecture's channels, and train and test
/// classes are disjoint.
/// </summary>
internal static class DatasetChecks
{
    public static void Run(CheckList checks, Type type, ComponentAttribute attribute, ConformanceOptions options)
    {
        var services = new ConformanceServices(options, ConformanceKit.Setup(options), type.Assembly);
        DatasetSplits? splits = null;
        var loaded = false;
        checks.Run("is built and loads its splits", () =>
        {
            var dataset = (IDataset)services.Create(type, ComponentSpec.Plain(attribute.Name));
            try
            {
                splits = dataset.Load();
            }
            catch (Exception e) when (e is DirectoryNotFoundException or FileNotFoundException)
            {
                // A dataset read from disk cannot be checked where its files are absent; say so rather than fail.
                throw new CheckSkipped($"its data is not here: {e.Message}");
            }
            loaded = true;
            return $"{splits.Training.Count} training / {splits.Testing.Count} test samples";
        });
        if (!loaded || splits is null)
        {
            return;
        }
        foreach (var split in new[] { splits.Training, splits.Testing, splits.Evaluation }.Concat(splits.Validation is null ? [] : [splits.Validation]))
        {
            checks.Run($"split '{split.Name}': labels 0..classes-1, every class present", () =>
            {
                CheckFailure.Unless(split.Count > 0 && split.Labels.Count == split.Count, $"{split.Count} samples, {split.Labels.Count} labels");
                var bad = split.Labels.FirstOrDefault(l => l < 0 || l >= split.NumClasses, -1);
                CheckFailure.Unless(split.Labels.All(l => l >= 0 && l < split.NumClasses), $"label {bad} outside 0..{split.NumClasses - 1}");
                CheckFailure.Unless(split.Labels.Distinct().Count() == split.NumClasses, $"NumClasses is {split.NumClasses} but {split.Labels.Distinct().Count()} classes occur");
                CheckFailure.Unless(split.ClassNames is null || split.ClassNames.Count == split.NumClasses, $"{split.ClassNames?.Count} class names for {split.NumClasses} classes");
                return $"{split.Count} samples, {split.NumClasses} classes";
            });
        }
        if (splits.Query is not null || splits.Gallery is not null)
        {
            checks.Run("query and gallery come together and number their classes alike", () =>
            {
                CheckFailure.Unless(splits.Query is not null && splits.Gallery is not null, "only one of Query and Gallery is set");
                var (query, gallery) = (splits.Query!, splits.Gallery!);
                CheckFailure.Unless(query.Count > 0 && gallery.Count > 0, $"{query.Count} queries, {gallery.Count} gallery samples");
                CheckFailure.Unless(query.Labels.All(l => l >= 0 && l < query.NumClasses) && gallery.Labels.All(l => l >= 0 && l < gallery.NumClasses),
                    "a label outside 0..classes-1");
                CheckFailure.Unless(query.ClassNames is null || gallery.ClassNames is null || query.ClassNames.SequenceEqual(gallery.ClassNames, StringComparer.Ordinal),
                    "the query and gallery class names differ, so a label means a different class in each");
                return $"{query.Count} queries, {gallery.Count} gallery samples";
            });
        }
        foreach (var (split, augmentation) in new[] { (splits.Training, (Random?)new Random(0)), (splits.Testing, null) })
        {
            checks.Run($"split '{split.Name}' loads a float32 [B, C, H, W] batch{(augmentation is null ? "" : " with augmentation")}", () =>
            {
                using var scope = NewDisposeScope();
                int[] indices = [0, split.Count - 1];
                var batch = split.LoadBatch(indices, augmentation);
                CheckFailure.Unless(batch.dim() == 4 && batch.shape[0] == 2, $"shape [{string.Join(", ", batch.shape)}] for 2 samples");
                CheckFailure.Unless(batch.dtype == ScalarType.Float32, $"dtype {batch.dtype}");
                CheckFailure.Unless(batch.isfinite().all().item<bool>(), "holds NaN or infinity");
                return $"[{string.Join(", ", batch.shape)}]";
            });
        }
        if (ComponentActivator.ConstructorOf(type)?.GetParameters().Any(p => p.ParameterType == typeof(InputContract)) == true)
        {
            checks.Run("produces the channels of the architecture's input (3, and 1 for a gray architecture)", () => CheckChannels(services, type, attribute, options));
        }
        checks.Run("train and test classes are disjoint", () =>
        {
            var train = splits.Training.ClassNames;
            var test = splits.Testing.ClassNames;
            CheckFailure.Unless(train is not null && test is not null,
                "the splits do not name their classes (IDataSplit.ClassNames), so disjointness cannot be checked");
            var shared = train!.Intersect(test!, StringComparer.Ordinal).ToList();
            CheckFailure.Unless(shared.Count == 0, $"{shared.Count} classes are in both, e.g. '{shared.FirstOrDefault()}'");
            return $"{train!.Count} train, {test!.Count} test classes";
        });
    }

    /// <summary>A dataset that takes an <see cref="InputContract"/> gives batches of its channel count, whatever its images are.</summary>
    private static string CheckChannels(ConformanceServices services, Type type, ComponentAttribute attribute, ConformanceOptions options)
    {
        var gray = new InputContract(0, 1, [0.5f], [0.25f]);
        foreach (var input in new[] { options.Input, gray })
        {
            var splits = ((IDataset)services.Create(type, ComponentSpec.Plain(attribute.Name), input)).Load();
            using var scope = NewDisposeScope();
            foreach (var augmentation in new[] { new Random(0), null })
            {
                var batch = splits.Training.LoadBatch([0], augmentation);
                CheckFailure.Unless(batch.dim() == 4 && batch.shape[1] == input.Channels,
                    $"for a {input.Channels}-channel architecture it gave [{string.Join(", ", batch.shape)}]");
                CheckFailure.Unless(input.Size == 0 || (batch.shape[2] == input.Size && batch.shape[3] == input.Size),
                    $"for a {input.Size} px architecture it gave [{string.Join(", ", batch.shape)}]");
            }
        }
        return "";
    }
}
