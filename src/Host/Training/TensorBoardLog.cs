using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace NirHost.Host.Training;

/// <summary>
/// <c>--log_online</c>: the scalars the original sends to W&amp;B, written as TensorBoard event files to
/// <c>&lt;run folder&gt;/tensorboard</c> (W&amp;B has no .NET client). One step per epoch: <c>Train/loss</c>,
/// <c>Train/time</c>, <c>lr/&lt;parameter group&gt;</c> and <c>&lt;Split&gt;/&lt;metric&gt;</c> for every metric of every
/// evaluated split. <c>--project</c>, <c>--group</c> and the command are recorded as text (<c>run/project</c>, ...), so
/// <c>tensorboard --logdir &lt;save_path&gt;</c> lists each run under its folder with its grouping.
/// </summary>
/// <remarks>
/// Each event is appended and the file closed at once, so a killed run keeps every epoch it logged. A resumed
/// run opens a new event file; TensorBoard merges the files of a folder by step.
/// </remarks>
public sealed class TensorBoardLog
{
    public const string FolderName = "tensorboard";

    private readonly SummaryWriter _writer;

    public TensorBoardLog(string runFolder, string project, string group, string command, int firstEpoch)
    {
        Folder = Path.Combine(runFolder, FolderName);
        try
        {
            _writer = utils.tensorboard.SummaryWriter(Folder);
            if (firstEpoch == 0)
            {
                _writer.add_text("run/project", project, 0);
                _writer.add_text("run/group", group, 0);
                _writer.add_text("run/command", command, 0);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write TensorBoard logs to {Folder} (--log_online): {e.Message}", e);
        }
    }

    public string Folder { get; }

    public void Scalar(string tag, double value, int epoch)
    {
        try
        {
            _writer.add_scalar(tag, (float)value, epoch);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write TensorBoard logs to {Folder} (--log_online): {e.Message}", e);
        }
    }

    /// <summary>Scalars of one split: <c>&lt;split&gt;/&lt;name&gt;</c>.</summary>
    public void Split(string split, IEnumerable<KeyValuePair<string, double>> values, int epoch)
    {
        foreach (var (name, value) in values)
        {
            Scalar($"{split}/{name}", value, epoch);
        }
    }

    /// <summary>A tag for a learning rate: the group's name, numbered when names repeat.</summary>
    public static string LearningRateTag(string groupName, int index, IReadOnlyList<string> allNames) =>
        allNames.Count(n => n == groupName) > 1
            ? $"lr/{groupName} {index.ToString(CultureInfo.InvariantCulture)}"
            : $"lr/{groupName}";
}
