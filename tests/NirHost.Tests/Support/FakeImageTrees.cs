using SkiaSharp;

namespace NirHost.Tests.Support;

/// <summary>Writes small generated images in the benchmarks' folder layouts.</summary>
public static class FakeImageTrees
{
    /// <summary>A JPEG (or PNG) of <paramref name="width"/> x <paramref name="height"/> whose colours depend on <paramref name="seed"/>.</summary>
    public static void WriteImage(string path, int width, int height, int seed, SKEncodedImageFormat format = SKEncodedImageFormat.Jpeg,
        bool gray = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        var (r, g, b) = (random.Next(256), random.Next(256), random.Next(256));
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                // A smooth gradient per class colour: JPEG keeps it faithfully, and crops differ visibly.
                var t = (x + y) / (float)(width + height);
                bitmap.SetPixel(x, y, new SKColor((byte)(r * (1 - t) + 255 * t), (byte)(g * t), (byte)(b * (1 - t) + 40 * t)));
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, 92);
        File.WriteAllBytes(path, data.ToArray());
    }

    /// <summary>CUB200 layout: images/NNN.Name/Name_k.jpg for classes 1..classes.</summary>
    public static string Cub200(string root, int classes, int perClass, int width = 48, int height = 36)
    {
        for (var c = 1; c <= classes; c++)
        {
            for (var k = 0; k < perClass; k++)
            {
                WriteImage(Path.Combine(root, "cub200", "images", $"{c:000}.Bird_{c}", $"Bird_{c}_{k:0000}.jpg"), width, height, c * 100 + k);
            }
        }
        return root;
    }

    /// <summary>
    /// What a class tree copied from a Mac or a Windows desktop carries besides its images: Finder's .DS_Store and
    /// AppleDouble "._" files, Explorer's Thumbs.db and desktop.ini (non-images that fail to decode), a hidden folder
    /// next to the class folders. Returns the number of entries added.
    /// </summary>
    public static int AddDesktopJunk(string images)
    {
        var added = 0;
        foreach (var classFolder in Directory.GetDirectories(images))
        {
            foreach (var name in new[] { ".DS_Store", "Thumbs.db", "desktop.ini", "._" + Path.GetFileName(Directory.GetFiles(classFolder)[0]) })
            {
                File.WriteAllText(Path.Combine(classFolder, name), "not an image");
                added++;
            }
        }
        var trash = Path.Combine(images, ".Trashes");
        Directory.CreateDirectory(trash);
        File.WriteAllText(Path.Combine(trash, "deleted.jpg"), "not an image");
        return added + 1;
    }

    /// <summary>CARS196 layout: images/&lt;class name&gt;/NNNNN.jpg.</summary>
    public static string Cars196(string root, IReadOnlyList<string> classNames, int perClass)
    {
        for (var c = 0; c < classNames.Count; c++)
        {
            for (var k = 0; k < perClass; k++)
            {
                WriteImage(Path.Combine(root, "cars196", "images", classNames[c], $"{c * perClass + k:00000}.jpg"), 40, 30, 7000 + c * 100 + k);
            }
        }
        return root;
    }

    /// <summary>Stanford Online Products layout: images/&lt;super&gt;_final/&lt;class&gt;_k.JPG and the two info files.</summary>
    public static string OnlineProducts(string root, int trainClasses, int testClasses, int perClass)
    {
        var folder = Path.Combine(root, "online_products");
        var id = 1;
        foreach (var (file, first, count) in new[] { ("Ebay_train.txt", 1, trainClasses), ("Ebay_test.txt", trainClasses + 1, testClasses) })
        {
            var lines = new List<string> { "image_id class_id super_class_id path" };
            for (var c = first; c < first + count; c++)
            {
                var super = c % 2 == 0 ? "bicycle" : "chair";
                for (var k = 0; k < perClass; k++)
                {
                    var relative = $"{super}_final/{c * 1000}_{k}.JPG";
                    WriteImage(Path.Combine(folder, "images", relative), 40, 40, 9000 + c * 10 + k);
                    lines.Add($"{id++} {c} {(c % 2) + 1} {relative}");
                }
            }
            Directory.CreateDirectory(Path.Combine(folder, "Info_Files"));
            File.WriteAllLines(Path.Combine(folder, "Info_Files", file), lines);
        }
        return root;
    }
}
