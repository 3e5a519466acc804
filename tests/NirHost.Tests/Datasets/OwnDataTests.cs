using Microsoft.Extensions.Logging.Abstractions;
using NirHost.Abstractions;
using NirHost.Plugins.Datasets;
using NirHost.Tests.Support;
using SkiaSharp;

namespace NirHost.Tests.Datasets;

/// <summary>
/// Your own data (<c>--dataset folder</c>: a class-folder tree or a CSV) and In-Shop's query/gallery layout, on tiny
/// generated trees: splits, class order, query/gallery labels numbered alike, and errors naming the line or path.
/// </summary>
public sealed class OwnDataTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Image(string relative, int seed)
    {
        var path = Path.Combine(_folder.Path, relative);
        FakeImageTrees.WriteImage(path, 12, 10, seed, SKEncodedImageFormat.Png);
        return path;
    }

    private DatasetSplits LoadFolder(string source, string split = FolderDatasetOptions.Half) =>
        new FolderDataset(new DataSettings { SourcePath = source, Kernels = 2 }, new FolderDatasetOptions { CropSize = 8, FolderSplit = split },
            InputContract.ImageNet, NullLogger<FolderDataset>.Instance).Load();

    private static IReadOnlyList<string> ClassNames(IDataSplit split) => ((ImageFileSplit)split).Classes.Select(c => c.Name).ToList();

    private static IEnumerable<string> FileNames(IDataSplit split) =>
        Enumerable.Range(0, split.Count).Select(i => Path.GetFileName(((ImageFileSplit)split).PathOf(i)));

    private string Tree()
    {
        var root = Path.Combine(_folder.Path, "tree");
        foreach (var (name, index) in new[] { "bravo", "alpha", "delta", "charlie" }.Select((n, i) => (n, i)))
        {
            Image(Path.Combine("tree", name, "1.png"), index * 10);
            Image(Path.Combine("tree", name, "2.png"), index * 10 + 1);
        }
        // As ImageFolder does, images below a class folder belong to it; hidden files are left out.
        Image(Path.Combine("tree", "alpha", "more", "0.png"), 99);
        File.WriteAllText(Path.Combine(root, "alpha", ".DS_Store"), "junk");
        return root;
    }

    [Fact]
    public void A_class_folder_tree_trains_on_the_first_half_of_the_sorted_classes()
    {
        var splits = LoadFolder(Tree());

        Assert.Equal(["alpha", "bravo"], ClassNames(splits.Training));
        Assert.Equal(["charlie", "delta"], ClassNames(splits.Testing));
        Assert.Equal(["1.png", "2.png", "0.png", "1.png", "2.png"], FileNames(splits.Training));
        Assert.Equal([0, 0, 0, 1, 1], splits.Training.Labels);
        Assert.False(splits.HasQueryGallery);
        using var batch = splits.Testing.LoadBatch([0, 3], null);
        Assert.Equal([2L, 3, 8, 8], batch.shape);
    }

    [Fact]
    public void A_folder_split_list_names_the_training_classes_and_its_errors_name_the_line()
    {
        var root = Tree();
        var list = Path.Combine(_folder.Path, "train_classes.txt");
        File.WriteAllLines(list, ["delta", "# a comment", "", "bravo"]);

        var splits = LoadFolder(root, list);
        Assert.Equal(["bravo", "delta"], ClassNames(splits.Training));
        Assert.Equal(["alpha", "charlie"], ClassNames(splits.Testing));

        File.WriteAllLines(list, ["delta", "echo"]);
        var error = Assert.Throws<InvalidDataException>(() => LoadFolder(root, list));
        Assert.Contains($"{list}, line 2: 'echo' is not a class folder", error.Message);

        File.WriteAllLines(list, ["alpha", "bravo", "charlie", "delta"]);
        Assert.Contains("at least one class each", Assert.Throws<InvalidDataException>(() => LoadFolder(root, list)).Message);
    }

    [Fact]
    public void An_empty_class_folder_and_a_missing_source_are_errors_naming_the_path()
    {
        var root = Tree();
        var empty = Path.Combine(root, "echo");
        Directory.CreateDirectory(empty);
        File.WriteAllText(Path.Combine(empty, "Thumbs.db"), "junk");

        var error = Assert.Throws<InvalidDataException>(() => LoadFolder(root));
        Assert.Contains($"Class folder {empty} contains no images", error.Message);

        var missing = Path.Combine(_folder.Path, "nowhere");
        Assert.Contains($"--source_path {missing} does not exist", Assert.Throws<DirectoryNotFoundException>(() => LoadFolder(missing)).Message);
    }

    private string Csv(params string[] lines)
    {
        var path = Path.Combine(_folder.Path, "data", "list.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, lines);
        return path;
    }

    private void CsvImages()
    {
        for (var i = 0; i < 10; i++)
        {
            Image(Path.Combine("data", "img", $"{i}.png"), i);
        }
    }

    [Fact]
    public void A_csv_with_query_and_gallery_rows_makes_query_and_gallery_splits_numbered_alike()
    {
        CsvImages();
        // Open Metric Learning's columns (any order, extra columns ignored), its 'validation' for held-out rows, paths relative to the CSV.
        var csv = Csv(
            "label,path,split,is_query,is_gallery,category",
            "cat,img/0.png,train,,,x",
            "dog,img/1.png,train,,,x",
            "cat,img/2.png,train,False,False,x",
            "\"fox, red\",img/3.png,validation,1,0,y",
            "owl,img/4.png,test,True,False,y",
            "owl,img/5.png,validation,0,1,y",
            "\"fox, red\",img/6.png,validation,0,1,y",
            "owl,img/7.png,validation,0,1,y",
            "emu,img/8.png,validation,0,1,y");

        var splits = LoadFolder(csv);

        Assert.Equal(["cat", "dog"], ClassNames(splits.Training));
        Assert.Equal([0, 0, 1], splits.Training.Labels);
        Assert.True(splits.HasQueryGallery);
        // Held-out classes in order of first appearance, the same list for queries and gallery (emu has no query, so is a miss-only class).
        Assert.Equal(["fox, red", "owl", "emu"], ClassNames(splits.Query!));
        Assert.Equal(ClassNames(splits.Query!), ClassNames(splits.Gallery!));
        Assert.Equal([0, 1], splits.Query!.Labels);
        Assert.Equal(["3.png", "4.png"], FileNames(splits.Query));
        Assert.Equal([0, 1, 1, 2], splits.Gallery!.Labels);
        Assert.Equal(["6.png", "5.png", "7.png", "8.png"], FileNames(splits.Gallery));
        // The test split holds both, each class's queries first.
        Assert.Equal(["3.png", "6.png", "4.png", "5.png", "7.png", "8.png"], FileNames(splits.Testing));
        Assert.Equal(3, splits.Testing.NumClasses);
    }

    [Fact]
    public void A_csv_without_query_columns_or_with_every_test_row_both_has_an_ordinary_test_split()
    {
        CsvImages();
        var plain = LoadFolder(Csv("path,label,split", "img/0.png,a,train", "img/1.png,b,train", "img/2.png,c,test", "img/3.png,c,test"));
        Assert.False(plain.HasQueryGallery);
        Assert.Equal(["c"], ClassNames(plain.Testing));
        Assert.Equal(2, plain.Testing.Count);

        var both = LoadFolder(Csv("path,label,split,is_query,is_gallery", "img/0.png,a,train,,", "img/2.png,c,validation,1,1", "img/3.png,d,validation,1,1"));
        Assert.False(both.HasQueryGallery);
        Assert.Equal(["c", "d"], ClassNames(both.Testing));
    }

    public static TheoryData<string, string> BadRows => new()
    {
        { "img/2.png,c,test,1", "line 3: 4 field(s) where the header has 5" },
        { "img/2.png,c,holdout,1,0", "line 3: split 'holdout' is not train, test or validation" },
        { "img/2.png, ,test,1,0", "line 3: the label of img/2.png is empty" },
        { ",c,test,1,0", "line 3: the path is empty" },
        { "img/missing.png,c,test,1,0", "line 3: image" },
        { "img/2.png,c,test,yes,0", "line 3: is_query 'yes' is not 1, 0, true, false or empty" },
        { "img/2.png,c,train,1,0", "line 3: a train row cannot be a query" },
        { "img/2.png,c,test,1,1", "line 3: a test row is both a query and in the gallery" },
        { "img/2.png,c,test,0,0", "line 3: a test row is neither a query nor in the gallery" },
        { "\"img/2.png,c,test,1,0", "line 3: a quoted field is not closed" },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public void Bad_csv_rows_are_errors_naming_the_line(string row, string expected)
    {
        CsvImages();
        var csv = Csv("path,label,split,is_query,is_gallery", "img/0.png,a,train,,", row, "img/3.png,c,test,0,1", "img/4.png,c,test,1,0");

        var error = Assert.ThrowsAny<Exception>(() => LoadFolder(csv));

        Assert.Contains($"{csv}, {expected}", error.Message);
    }

    [Fact]
    public void A_csv_without_the_required_columns_or_without_test_rows_is_refused()
    {
        CsvImages();
        Assert.Contains("lacks split", Assert.Throws<InvalidDataException>(() => LoadFolder(Csv("path,label", "img/0.png,a"))).Message);
        Assert.Contains("no test (or validation) rows", Assert.Throws<InvalidDataException>(() => LoadFolder(Csv("path,label,split", "img/0.png,a,train"))).Message);
        var csv = Csv("path,label,split", "img/0.png,a,train", "img/1.png,b,test");
        Assert.Contains("--folder_split", Assert.Throws<ArgumentException>(() => LoadFolder(csv, "list.txt")).Message);
    }

    private string InShop(params string[] rows)
    {
        var folder = Path.Combine(_folder.Path, "inshop");
        var i = 0;
        foreach (var row in rows)
        {
            var image = row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            if (!image.Contains("missing", StringComparison.Ordinal))
            {
                Image(Path.Combine("inshop", image), i++);
            }
        }
        Directory.CreateDirectory(Path.Combine(folder, "Eval"));
        File.WriteAllLines(Path.Combine(folder, "Eval", "list_eval_partition.txt"),
            [$"{rows.Length}", "image_name item_id evaluation_status", .. rows]);
        return Path.Combine(folder, "Eval", "list_eval_partition.txt");
    }

    private DatasetSplits LoadInShop() =>
        new InShopDataset(new DataSettings { SourcePath = _folder.Path, Kernels = 2 }, new ImageDatasetOptions { CropSize = 8 },
            InputContract.ImageNet, NullLogger<InShopDataset>.Instance).Load();

    [Fact]
    public void InShop_trains_on_train_items_and_searches_queries_against_the_gallery()
    {
        InShop(
            "img/WOMEN/Dresses/id_00000002/02_1_front.jpg       id_00000002 train",
            "img/WOMEN/Dresses/id_00000002/02_2_side.jpg        id_00000002 train",
            "img/MEN/Denim/id_00000001/01_1_front.jpg           id_00000001 train",
            "img/WOMEN/Skirts/id_00000009/09_1_front.jpg        id_00000009 query",
            "img/WOMEN/Skirts/id_00000009/09_2_side.jpg         id_00000009 gallery",
            "img/WOMEN/Skirts/id_00000009/09_3_back.jpg         id_00000009 gallery",
            "img/MEN/Tees/id_00000005/05_1_front.jpg            id_00000005 gallery",
            "img/MEN/Tees/id_00000005/05_2_side.jpg             id_00000005 query");

        var splits = LoadInShop();

        Assert.Equal(["id_00000001", "id_00000002"], ClassNames(splits.Training));
        Assert.Equal(3, splits.Training.Count);
        Assert.Equal(["id_00000005", "id_00000009"], ClassNames(splits.Query!));
        Assert.Equal(ClassNames(splits.Query!), ClassNames(splits.Gallery!));
        Assert.Equal([0, 1], splits.Query!.Labels);
        Assert.Equal(["05_2_side.jpg", "09_1_front.jpg"], FileNames(splits.Query));
        Assert.Equal([0, 1, 1], splits.Gallery!.Labels);
        Assert.Equal(5, splits.Testing.Count);
        Assert.Equal(2, splits.Testing.NumClasses);
    }

    [Fact]
    public void InShop_images_may_lie_in_the_Img_folder_the_download_unpacks_into_and_the_folder_may_be_named_in_shop()
    {
        var folder = Path.Combine(_folder.Path, "in-shop");
        string[] rows = ["img/a/1.jpg id_1 train", "img/a/2.jpg id_1 train", "img/b/3.jpg id_2 query", "img/b/4.jpg id_2 gallery"];
        for (var i = 0; i < rows.Length; i++)
        {
            Image(Path.Combine("in-shop", "Img", rows[i].Split(' ')[0]), i);
        }
        Directory.CreateDirectory(Path.Combine(folder, "Eval"));
        File.WriteAllLines(Path.Combine(folder, "Eval", "list_eval_partition.txt"), ["4", "image_name item_id evaluation_status", .. rows]);

        var splits = LoadInShop();

        Assert.Equal(Path.Combine(folder, "Img", "img", "b", "3.jpg"), ((ImageFileSplit)splits.Query!).PathOf(0));
        Assert.Equal(2, splits.Training.Count);
    }

    [Fact]
    public void InShop_partition_errors_name_the_line()
    {
        var file = InShop("img/a/1.jpg id_1 train", "img/b/2.jpg id_2 probe", "img/b/3.jpg id_2 gallery");
        Assert.Contains($"{file}, line 4: evaluation status 'probe'", Assert.Throws<InvalidDataException>(LoadInShop).Message);

        file = InShop("img/a/1.jpg id_1 train", "img/b/missing.jpg id_2 query", "img/b/3.jpg id_2 gallery");
        Assert.Contains($"{file}, line 4 names image", Assert.Throws<FileNotFoundException>(LoadInShop).Message);

        file = InShop("img/a/1.jpg id_1 train", "img/b/2.jpg id_2", "img/b/3.jpg id_2 gallery");
        Assert.Contains($"{file}, line 4: 'img/b/2.jpg id_2' is not", Assert.Throws<InvalidDataException>(LoadInShop).Message);

        file = InShop("img/a/1.jpg id_1 train", "img/b/3.jpg id_2 gallery");
        Assert.Contains("lists no query images", Assert.Throws<InvalidDataException>(LoadInShop).Message);
    }
}
