using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NirHost.Abstractions;
using NirHost.Plugins.Datasets;
using NirHost.Tests.Support;

namespace NirHost.Tests.Datasets;

/// <summary>The benchmark layouts on small generated trees: splits, class counts, order and the errors for broken trees.</summary>
public sealed class BenchmarkDatasetTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private (DataSettings Data, ImageDatasetOptions Image) Options(params (string Flag, object Value)[] changes)
    {
        var data = new DataSettings { SourcePath = _folder.Path, Kernels = 2 };
        var image = new ImageDatasetOptions { CropSize = 16 };
        foreach (var (flag, value) in changes)
        {
            switch (flag)
            {
                case "use_tv_split": data = data with { UseTvSplit = (bool)value }; break;
                case "tv_split_perc": data = data with { TvSplitPerc = (double)value }; break;
                case "tv_split_by_samples": data = data with { TvSplitBySamples = (bool)value }; break;
                case "skip_unreadable_images": image.SkipUnreadableImages = (bool)value; break;
                default: throw new ArgumentException(flag);
            }
        }
        return (data, image);
    }

    private static DatasetSplits LoadCub((DataSettings Data, ImageDatasetOptions Image) options) =>
        new Cub200Dataset(options.Data, options.Image, InputContract.ImageNet, NullLogger<Cub200Dataset>.Instance).Load();

    private static IReadOnlyList<string> ClassNames(IDataSplit split) => ((ImageFileSplit)split).Classes.Select(c => c.Name).ToList();

    [Fact]
    public void Cub200_trains_on_the_first_half_of_the_classes_by_number_and_tests_on_the_second()
    {
        FakeImageTrees.Cub200(_folder.Path, classes: 12, perClass: 3);
        var splits = LoadCub(Options());

        // Numeric order: 10, 11, 12 come after 9 (a plain string sort would put them after 1).
        Assert.Equal(["001.Bird_1", "002.Bird_2", "003.Bird_3", "004.Bird_4", "005.Bird_5", "006.Bird_6"], ClassNames(splits.Training));
        Assert.Equal(["007.Bird_7", "008.Bird_8", "009.Bird_9", "010.Bird_10", "011.Bird_11", "012.Bird_12"], ClassNames(splits.Testing));
        Assert.Equal(6, splits.Training.NumClasses);
        Assert.Equal(18, splits.Training.Count);
        Assert.Equal([0, 0, 0, 1, 1, 1], splits.Training.Labels.Take(6));
        Assert.Equal(splits.Training.Labels, splits.Evaluation.Labels);
        Assert.Null(splits.Validation);
        Assert.EndsWith(Path.Combine("001.Bird_1", "Bird_1_0000.jpg"), ((ImageFileSplit)splits.Training).PathOf(0));

        using var batch = splits.Testing.LoadBatch([0, 17], null);
        Assert.Equal([2L, 3, 16, 16], batch.shape);
    }

    [Fact]
    public void Train_validation_splits_by_classes_or_by_samples()
    {
        FakeImageTrees.Cub200(_folder.Path, classes: 8, perClass: 5);

        var byClass = LoadCub(Options(("use_tv_split", true), ("tv_split_perc", 0.5)));
        Assert.Equal(["001.Bird_1", "002.Bird_2"], ClassNames(byClass.Training));
        Assert.Equal(["003.Bird_3", "004.Bird_4"], ClassNames(byClass.Validation!));
        Assert.Equal(4, byClass.Testing.NumClasses);
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], byClass.Validation!.Labels);

        var bySamples = LoadCub(Options(("use_tv_split", true), ("tv_split_perc", 0.6), ("tv_split_by_samples", true)));
        Assert.Equal(4, bySamples.Training.NumClasses);
        Assert.Equal(4, bySamples.Validation!.NumClasses);
        // int(5 * 0.6) = 3 training images per class at np.round(np.linspace(0, 4, 3)) = 0, 2, 4; images 1 and 3 validate.
        Assert.Equal(12, bySamples.Training.Count);
        Assert.Equal(8, bySamples.Validation.Count);
        var training = (ImageFileSplit)bySamples.Training;
        Assert.EndsWith("Bird_1_0002.jpg", training.PathOf(1));
        Assert.EndsWith("Bird_1_0001.jpg", ((ImageFileSplit)bySamples.Validation).PathOf(0));

        var error = Assert.Throws<ArgumentException>(() => LoadCub(Options(("use_tv_split", true))));
        Assert.Contains("--tv_split_perc", error.Message);
    }

    [Fact]
    public void Cars196_sorts_class_names_and_splits_in_halves()
    {
        FakeImageTrees.Cars196(_folder.Path, ["Volvo 240 Sedan 1993", "AM General Hummer SUV 2000", "Audi R8 Coupe 2012", "BMW M3 Coupe 2012"], perClass: 2);
        var splits = new Cars196Dataset(Options().Data, Options().Image, InputContract.ImageNet, NullLogger<Cars196Dataset>.Instance).Load();
        Assert.Equal(["AM General Hummer SUV 2000", "Audi R8 Coupe 2012"], ClassNames(splits.Training));
        Assert.Equal(["BMW M3 Coupe 2012", "Volvo 240 Sedan 1993"], ClassNames(splits.Testing));
        Assert.Equal(4, splits.Testing.Count);
    }

    [Fact]
    public void Online_products_splits_by_the_info_files_and_names_a_missing_image()
    {
        FakeImageTrees.OnlineProducts(_folder.Path, trainClasses: 4, testClasses: 3, perClass: 2);
        var splits = new OnlineProductsDataset(Options().Data, Options().Image, InputContract.ImageNet, NullLogger<OnlineProductsDataset>.Instance).Load();
        Assert.Equal(["1", "2", "3", "4"], ClassNames(splits.Training));
        Assert.Equal(["5", "6", "7"], ClassNames(splits.Testing));
        Assert.Equal(8, splits.Training.Count);
        Assert.Equal(6, splits.Testing.Count);

        var missing = Path.Combine(_folder.Path, "online_products", "images", "bicycle_final", "6000_1.JPG");
        File.Delete(missing);
        var error = Assert.Throws<FileNotFoundException>(
            () => new OnlineProductsDataset(Options().Data, Options().Image, InputContract.ImageNet, NullLogger<OnlineProductsDataset>.Instance).Load());
        Assert.Contains(missing, error.Message);
        Assert.Contains("Ebay_test.txt, line 5", error.Message);
    }

    [Fact]
    public void A_missing_folder_or_an_empty_class_is_an_error_naming_the_path()
    {
        var missing = Assert.Throws<DirectoryNotFoundException>(() => LoadCub(Options()));
        Assert.Contains(Path.Combine(_folder.Path, "cub200"), missing.Message);

        FakeImageTrees.Cub200(_folder.Path, classes: 4, perClass: 2);
        var empty = Path.Combine(_folder.Path, "cub200", "images", "005.Empty");
        Directory.CreateDirectory(empty);
        var error = Assert.Throws<InvalidDataException>(() => LoadCub(Options()));
        Assert.Contains(empty, error.Message);
    }

    [Fact]
    public void Unreadable_images_are_an_error_unless_skipped()
    {
        FakeImageTrees.Cub200(_folder.Path, classes: 4, perClass: 3);
        var corrupt = Path.Combine(_folder.Path, "cub200", "images", "003.Bird_3", "Bird_3_0001.jpg");
        File.WriteAllBytes(corrupt, [1, 2, 3, 4, 5, 6, 7, 8]);

        var error = Assert.Throws<InvalidDataException>(() => LoadCub(Options()));
        Assert.Contains(corrupt, error.Message);
        Assert.Contains("--skip_unreadable_images", error.Message);

        var splits = LoadCub(Options(("skip_unreadable_images", true)));
        Assert.Equal(5, splits.Testing.Count);
        Assert.Equal(2, splits.Testing.NumClasses);
    }

    [Fact]
    public void A_truncated_image_fails_its_batch_with_the_path()
    {
        FakeImageTrees.Cub200(_folder.Path, classes: 2, perClass: 1, width: 300, height: 300);
        var path = Path.Combine(_folder.Path, "cub200", "images", "002.Bird_2", "Bird_2_0000.jpg");
        var bytes = File.ReadAllBytes(path);
        // The header survives (the dataset opens), the image data ends half-way.
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var splits = LoadCub(Options());
        var error = Assert.Throws<InvalidDataException>(() => splits.Testing.LoadBatch([0], null));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Hidden_and_system_files_copied_from_a_desktop_are_left_out_and_counted_once()
    {
        FakeImageTrees.Cub200(_folder.Path, classes: 4, perClass: 2);
        var junk = FakeImageTrees.AddDesktopJunk(Path.Combine(_folder.Path, "cub200", "images"));
        var log = new ListLogger();
        using var factory = LoggerFactory.Create(builder => builder.AddProvider(log));

        var splits = new Cub200Dataset(Options().Data, Options().Image, InputContract.ImageNet, factory.CreateLogger<Cub200Dataset>()).Load();

        Assert.Equal(["001.Bird_1", "002.Bird_2"], ClassNames(splits.Training));
        Assert.Equal((4, 4), (splits.Training.Count, splits.Testing.Count));
        Assert.Equal(17, junk);
        Assert.Single(log.Messages, m => m.Contains($"cub200: left out {junk} hidden or system files and folders", StringComparison.Ordinal));
    }

    [Fact]
    public void A_class_folder_holding_only_system_files_is_an_error_saying_so()
    {
        FakeImageTrees.Cars196(_folder.Path, ["Audi", "BMW"], perClass: 1);
        var audi = Path.Combine(_folder.Path, "cars196", "images", "Audi");
        File.Delete(Directory.GetFiles(audi)[0]);
        File.WriteAllText(Path.Combine(audi, "Thumbs.db"), "");
        File.WriteAllText(Path.Combine(audi, "DESKTOP.INI"), "");

        var error = Assert.Throws<InvalidDataException>(() =>
            new Cars196Dataset(Options().Data, Options().Image, InputContract.ImageNet, NullLogger<Cars196Dataset>.Instance).Load());
        Assert.Equal($"Class folder {audi} contains no images (only 2 hidden or system file(s), which are left out).", error.Message);
    }
}
