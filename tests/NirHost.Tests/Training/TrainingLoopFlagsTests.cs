using NirHost.Host.Composition;
using System.Buffers.Binary;
using System.Text;
using NirHost.Host;
using NirHost.Host.Cli;
using NirHost.Host.IO;
using NirHost.Host.Options;
using NirHost.Host.Training;
using NirHost.Tests.Support;

namespace NirHost.Tests.Training;

/// <summary>The original's training flags: run naming, --log_online, --scheduler, --optim, --use_float16.</summary>
public sealed class TrainingLoopFlagsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Log_online_writes_tensorboard_events_for_every_epoch_under_a_group_plus_seed_folder()
    {
        var summary = HostHarness.Train(HostHarness.TinyRun(_folder.Path,
            "--savename", "group_plus_seed", "--log_online", "--group", "tiny", "--project", "proj", "--seed", "3",
            "--n_epochs", "2", "--scheduler", "exponential", "--gamma", "0.5", "--synthetic_samples_per_class", "12", "--synthetic_image_size", "16"));

        Assert.Equal(Path.Combine(_folder.Path, "synthetic", "tiny_s3"), summary.RunFolder);
        var files = Directory.GetFiles(Path.Combine(summary.RunFolder, TensorBoardLog.FolderName), "events.out.tfevents.*");
        var events = ReadEvents(Assert.Single(files));
        Assert.Equal("brain.Event:2", events[0].FileVersion);

        var scalars = events.Where(e => e.Summary is not null).SelectMany(e => e.Summary.Value.Select(v => (e.Step, v.Tag, v.SimpleValue, Value: v))).ToList();
        foreach (var tag in new[] { "Train/loss", "Train/time", "lr/model", "Test/e_recall@1", "Test/e_recall@2", "Train/e_recall@1" })
        {
            Assert.Equal([0L, 1L], scalars.Where(s => s.Tag == tag).Select(s => s.Step).Order());
        }
        // --scheduler exponential: the model's rate halves after every epoch.
        Assert.Equal(0.003f, scalars.Single(s => s.Tag == "lr/model" && s.Step == 0).SimpleValue);
        Assert.Equal(0.0015f, scalars.Single(s => s.Tag == "lr/model" && s.Step == 1).SimpleValue);
        Assert.Equal((float)summary.TrainLoss[1], scalars.Single(s => s.Tag == "Train/loss" && s.Step == 1).SimpleValue);
        Assert.Equal((float)summary.Metrics["Test"]["e_recall@1"].Last, scalars.Single(s => s.Tag == "Test/e_recall@1" && s.Step == 1).SimpleValue);
        var project = scalars.Single(s => s.Tag == "run/project/text_summary").Value.Tensor.StringVal.Single().ToStringUtf8();
        Assert.Equal("proj", project);
        Assert.Equal("tiny", scalars.Single(s => s.Tag == "run/group/text_summary").Value.Tensor.StringVal.Single().ToStringUtf8());

        var (tensors, metadata) = SafeTensorsFile.ReadWithMetadata(TrainingCheckpoint.PathIn(summary.RunFolder));
        foreach (var tensor in tensors.Values)
        {
            tensor.Dispose();
        }
        var state = CheckpointState.FromJson(metadata["nirhost.training_state"], "checkpoint");
        Assert.Equal(0.00075, state.LearningRates[0], 15);
    }

    [Fact]
    public void Run_names_follow_the_original()
    {
        var now = new DateTime(2026, 3, 4, 5, 6, 7);
        Assert.Equal("SYNTHETIC_CONVNET_NORMALIZE_2026-3-4-5-6-7",
            RunFolder.RunName(new RunOptions { Group = "g" }, "synthetic", "convnet_normalize", 2, now));
        Assert.Equal("g_s2", RunFolder.RunName(new RunOptions { Group = "g", LogOnline = true }, "synthetic", "convnet", 2, now));
        Assert.Equal("mine", RunFolder.RunName(new RunOptions { Savename = "mine", LogOnline = true }, "synthetic", "convnet", 2, now));

        var first = RunFolder.Create(_folder.Path, "cub200", "mine");
        var second = RunFolder.Create(_folder.Path, "cub200", "mine");
        var third = RunFolder.Create(_folder.Path, "cub200", "mine");
        Assert.Equal(Path.Combine(_folder.Path, "cub200", "mine"), first.Path);
        Assert.Equal(Path.Combine(_folder.Path, "cub200", "mine_1"), second.Path);
        Assert.Equal(Path.Combine(_folder.Path, "cub200", "mine_2"), third.Path);
    }

    [Fact]
    public void Float16_is_refused_with_the_reason_before_anything_is_written()
    {
        var configuration = HostHarness.Parse(HostHarness.TinyRun(_folder.Path, "--use_float16"));
        var error = Assert.Throws<CommandLineException>(() => RunValidation.Validate(configuration, HostHarness.Catalog));
        Assert.StartsWith("--use_float16 is not available: mixed precision needs autocast", error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(_folder.Path));
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adam")]
    public void The_original_optimizers_are_accepted_and_others_named(string name)
    {
        RunValidation.Validate(HostHarness.Parse(HostHarness.TinyRun(_folder.Path, "--optim", name, "--scheduler", "none")), HostHarness.Catalog);
        var error = Assert.Throws<CommandLineException>(() => HostHarness.Parse(HostHarness.TinyRun(_folder.Path, "--optim", "rmsprop")));
        Assert.Contains("rmsprop", error.Message);
    }

    /// <summary>Reads a TensorBoard event file, checking each record's framing and masked CRC-32C checksums.</summary>
    private static List<Tensorboard.Event> ReadEvents(string file)
    {
        var bytes = File.ReadAllBytes(file);
        var events = new List<Tensorboard.Event>();
        var position = 0;
        while (position < bytes.Length)
        {
            Assert.True(bytes.Length - position >= 12, "truncated record header");
            var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(position));
            Assert.Equal(MaskedCrc(bytes.AsSpan(position, 8)), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position + 8)));
            var data = bytes.AsSpan(position + 12, length);
            Assert.Equal(MaskedCrc(data), BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(position + 12 + length)));
            events.Add(Tensorboard.Event.Parser.ParseFrom(data.ToArray()));
            position += 12 + length + 4;
        }
        return events;
    }

    /// <summary>TFRecord's checksum: CRC-32C (Castagnoli), rotated right by 15 bits plus a constant.</summary>
    private static uint MaskedCrc(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }
        crc ^= 0xFFFFFFFFu;
        return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
    }
}
