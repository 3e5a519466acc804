using System.Diagnostics;
using NirHost.Evaluation;
using NirHost.Host.Cli;
using NirHost.Host.Commands;
using NirHost.Host.Composition;
using NirHost.Host.Inference;
using NirHost.Host.Plugins;

namespace NirHost.Benchmarks;

/// <summary>
/// <c>nirhost embed</c> against the trainer's evaluation pass (<see cref="Evaluator.Embed"/>) on the same model, images
/// and transform: 1,000 photo-like 500 x 375 JPEGs through a quick-start-sized network trained for one epoch, three
/// rounds each. Then embed's peak memory for 10,000 and for 100,000 images, each in a process of its own (the list files
/// name 200 small 80 x 60 JPEGs over and over: memory, not decoding, is measured), through the nirhost executable under
/// GNU time (Debian's <c>time</c>).
/// Run: dotnet NirHost.Benchmarks.dll embed-at-scale
/// </summary>
public static class EmbedAtScale
{
    public static void Run(string[] args)
    {
        TorchSharp.torch.set_num_threads(2);
        var (catalog, flags) = Catalog();
        var folder = Directory.CreateTempSubdirectory("nirhost-embed-benchmark-").FullName;
        try
        {
            var images = Enumerable.Range(0, 200).Select(i => Path.Combine(folder, $"{i:000}.jpg")).ToList();
            Parallel.ForEach(images.Select((path, i) => (path, i)), p => ImageLoadingBenchmark.WritePhotoLikeJpeg(p.path, p.i));
            var small = Enumerable.Range(0, 200).Select(i => Path.Combine(folder, $"small{i:000}.jpg")).ToList();
            Parallel.ForEach(small.Select((path, i) => (path, i)), p => WriteSmallJpeg(p.path, p.i));
            string List(int count, List<string> files)
            {
                var list = Path.Combine(folder, $"list{count}.txt");
                File.WriteAllLines(list, Enumerable.Range(0, count).Select(i => files[i % files.Count]));
                return list;
            }
            var run = Train(catalog, flags, folder);
            using (var model = TrainedModel.Load(catalog, flags, run, null, ["--dataset=images", $"--source_path={List(1000, images)}"]))
            {
                var split = model.Splits.Testing;
                for (var round = 1; round <= 3; round++)
                {
                    var clock = Stopwatch.StartNew();
                    using (Evaluator.Embed(model.Model, split, model.BatchSize, model.Device))
                    {
                        var evaluation = clock.Elapsed.TotalSeconds;
                        clock.Restart();
                        EmbedCommand.Embed(model, split, Path.Combine(folder, "out.safetensors"), new Dictionary<string, string>(), withLabels: false, skipUnreadable: false);
                        var embed = clock.Elapsed.TotalSeconds;
                        Console.WriteLine($"round {round}: evaluation pass {split.Count / evaluation:F0} images/s, embed {split.Count / embed:F0} images/s " +
                            $"(embed/evaluation {evaluation / embed:F2})");
                    }
                }
            }
            foreach (var count in new[] { 10_000, 100_000 })
            {
                // The nirhost a user runs (its own start-up: glibc arenas limited), its peak resident memory written by GNU time to a
                // file; both output streams are drained as they come, so the child never waits on a full pipe.
                var report = Path.Combine(folder, $"time{count}.txt");
                var child = Process.Start(new ProcessStartInfo("/usr/bin/time", ["-o", report, "-f", "peak %M KiB, %e s", "dotnet", Nirhost(), "embed", run,
                    "--images", List(count, small), "--out", Path.Combine(folder, $"rss{count}.safetensors")])
                { RedirectStandardError = true, RedirectStandardOutput = true })!;
                child.OutputDataReceived += (_, _) => { };
                child.ErrorDataReceived += (_, _) => { };
                child.BeginOutputReadLine();
                child.BeginErrorReadLine();
                child.WaitForExit();
                Console.WriteLine($"{count} images: {File.ReadAllText(report).Trim()}");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The Release build of nirhost in this checkout (build it first: dotnet build src/Host -c Release).</summary>
    private static string Nirhost()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "NirHost.sln")))
        {
            folder = folder.Parent;
        }
        var host = Path.Combine(folder?.FullName ?? ".", "src", "Host", "bin", "Release", "net10.0", "nirhost.dll");
        return File.Exists(host) ? host : throw new FileNotFoundException($"{host}: build the host first (dotnet build src/Host -c Release).");
    }

    private static void WriteSmallJpeg(string path, int seed)
    {
        using var bitmap = new SkiaSharp.SKBitmap(80, 60);
        bitmap.Erase(new SkiaSharp.SKColor((byte)(seed * 37), (byte)(seed * 91), (byte)(seed * 53)));
        using var image = SkiaSharp.SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 90);
        File.WriteAllBytes(path, data.ToArray());
    }

    private static (PluginCatalog Catalog, FlagCatalog Flags) Catalog()
    {
        var pool = new PluginLoaderPool();
        var catalog = pool.Scan([Path.Combine(AppContext.BaseDirectory, "plugins")]);
        return (catalog, RunCommandLine.BuildFlags(catalog));
    }

    /// <summary>The quick start's network on the embedded dataset, one epoch: what embeds the JPEGs.</summary>
    private static string Train(PluginCatalog catalog, FlagCatalog flags, string folder)
    {
        var configuration = RunCommandLine.Parse(flags,
        [
            "--dataset", "synthetic", "--synthetic_classes", "20", "--synthetic_samples_per_class", "30", "--arch", "convnet_normalize",
            "--embed_dim", "128", "--loss", "oproxy", "--bs", "40", "--samples_per_class", "4", "--n_epochs", "1",
            "--evaluation_metrics", "e_recall@1", "--device", "cpu", "--save_path", folder, "--savename", "run",
        ]);
        return TrainingHost.Train(RunValidation.Validate(configuration, catalog)).RunFolder;
    }
}
