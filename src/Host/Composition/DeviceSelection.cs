using NirHost.Host.Cli;
using NirHost.Host.Options;
using static TorchSharp.torch;

namespace NirHost.Host.Composition;

/// <summary>Maps <c>--device</c> (and the original's <c>--gpu N</c>) to a TorchSharp device.</summary>
public static class DeviceSelection
{
    public static Device Resolve(RunConfiguration configuration)
    {
        var run = configuration.Get<RunOptions>();
        var requested = run.Device.Trim().ToLowerInvariant();
        if (configuration.Arguments.WasGiven("gpu"))
        {
            if (configuration.Arguments.WasGiven("device"))
            {
                throw new CommandLineException("Give either --gpu (the original's spelling) or --device, not both.");
            }
            requested = $"cuda:{run.Gpu[0]}";
        }
        if (requested == "auto")
        {
            return cuda.is_available() ? CUDA : CPU;
        }
        if (requested == "cpu")
        {
            return CPU;
        }
        if (requested == "cuda" || requested.StartsWith("cuda:", StringComparison.Ordinal))
        {
            var index = 0;
            if (requested.Length > 5 && !int.TryParse(requested[5..], out index))
            {
                throw new CommandLineException($"--device {run.Device}: expected cuda:N with a device number.");
            }
            if (!cuda.is_available())
            {
                throw new CommandLineException(
                    $"--{(configuration.Arguments.WasGiven("gpu") ? "gpu" : "device")} asks for CUDA device {index}, but no CUDA device is available " +
                    $"({CudaBundleHint}). Use --device cpu.");
            }
            if (index >= cuda.device_count())
            {
                throw new CommandLineException($"CUDA device {index} does not exist: {cuda.device_count()} device(s) found.");
            }
            return new Device(TorchSharp.DeviceType.CUDA, index);
        }
        throw new CommandLineException($"--device {run.Device}: expected auto, cpu, cuda or cuda:N.");
    }

    /// <summary>Which CUDA bundle this system would need: TorchSharp ships one for Linux and one for Windows, none for macOS.</summary>
    internal static string CudaBundleHint =>
        OperatingSystem.IsMacOS() ? "libtorch has no CUDA build for macOS"
        : $"this build carries the CPU libtorch bundle unless built with -p:TorchSharpBundle={(OperatingSystem.IsWindows() ? "cuda-windows" : "cuda-linux")}";
}
