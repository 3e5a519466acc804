using NirHost.Host.IO;
using NirHost.Host.Training;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Training;

/// <summary>
/// Damage on disk is detected, not loaded: every tensor's checksum is verified, and a resumed run falls back to the
/// previous epoch's checkpoint when the last one is damaged.
/// </summary>
public sealed class CheckpointIntegrityTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Flips <paramref name="count"/> bytes in the middle of <paramref name="tensor"/>'s data.</summary>
    private static void Damage(string file, string tensor, int count = 10)
    {
        var bytes = File.ReadAllBytes(file);
        var headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        var header = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Encoding.UTF8.GetString(bytes, 8, headerLength))!;
        var offsets = header[tensor]!["data_offsets"]!.AsArray().Select(o => o!.GetValue<long>()).ToArray();
        var middle = 8 + headerLength + (int)((offsets[0] + offsets[1]) / 2);
        for (var i = 0; i < count; i++)
        {
            bytes[middle + i] ^= 0x5A;
        }
        File.WriteAllBytes(file, bytes);
    }

    [Fact]
    public void Flipped_bytes_inside_a_tensor_are_an_error_naming_the_file_and_the_tensor()
    {
        var file = Path.Combine(_folder.Path, "weights.safetensors");
        using (var weights = arange(0, 64, dtype: ScalarType.Float32))
        using (var other = ones(8, dtype: ScalarType.Int64))
        {
            SafeTensorsFile.Write(file, new Dictionary<string, Tensor> { ["weights"] = weights, ["other"] = other });
        }
        SafeTensorsFile.Verify(file);
        Damage(file, "weights");

        var error = Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Verify(file));
        Assert.Contains(file, error.Message);
        Assert.Contains("'weights' does not match the checksum", error.Message);
        Assert.Throws<InvalidDataException>(() => SafeTensorsFile.Read(file));
    }

    [Fact]
    public void A_file_without_checksums_from_another_writer_still_reads()
    {
        // The reference fixtures are written by other tools: no nirhost.sha256 entry, nothing to verify.
        var fixture = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "fixtures"), "*.safetensors", SearchOption.AllDirectories).First();
        var (tensors, metadata) = SafeTensorsFile.ReadWithMetadata(fixture);
        Assert.DoesNotContain(SafeTensorsFile.ChecksumsKey, metadata.Keys);
        Assert.NotEmpty(tensors);
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
    }

    [Fact]
    public void Resume_falls_back_to_the_previous_checkpoint_when_the_last_is_damaged()
    {
        var args = FaultyPlugin.MicroRun(_folder.Path, "--n_epochs", "3");
        using (var cancellation = new CancellationTokenSource())
        {
            var stopAfterTwo = new RunCallbacks { EpochCheckpointed = completed => { if (completed == 2) cancellation.Cancel(); } };
            Assert.Throws<TrainingInterruptedException>(() => HostHarness.Train(HostHarness.Catalog, HostHarness.Parse(args), stopAfterTwo, cancellation.Token));
        }
        var folder = Path.Combine(_folder.Path, "synthetic", "run");
        var last = TrainingCheckpoint.PathIn(folder);
        Assert.True(File.Exists(Path.Combine(folder, TrainingCheckpoint.PreviousFileName)), "the previous epoch's checkpoint is kept");
        Damage(last, "model.last_linear.weight");

        var notices = new List<string>();
        var summary = HostHarness.Train(HostHarness.Catalog, HostHarness.Parse("--resume", folder), new NoticeList(notices));

        Assert.Equal(1, summary.ResumedAtEpochs[^1]);
        Assert.Equal(3, summary.Epochs);
        Assert.Equal(3, summary.TrainLoss.Count);
        var notice = Assert.Single(notices, n => n.StartsWith("Resuming from", StringComparison.Ordinal));
        Assert.Contains(TrainingCheckpoint.PreviousFileName, notice);
        Assert.Contains("checkpoint_last.safetensors cannot be used", notice);
        Assert.Contains("model.last_linear.weight", notice);
        // The epoch the damaged checkpoint held is trained again and logged once.
        Assert.Equal(4, File.ReadAllLines(Path.Combine(folder, "CSV_Logs", "Data_Test.csv")).Length);
    }

    private sealed class NoticeList(List<string> notices) : IRunObserver
    {
        public void Notice(string message) => notices.Add(message);
    }
}
