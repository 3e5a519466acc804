using NirHost.Export;
using NirHost.Tests.Support;
using static TorchSharp.torch;

namespace NirHost.Tests.Export;

/// <summary>The reference ONNX checker (Debian's python3-onnx 1.12, full check with shape inference) accepts every architecture's file.</summary>
public sealed class OnnxCheckerTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [LinuxFact]
    public void Onnx_checker_accepts_every_architectures_export()
    {
        DebianPackages.EnsurePythonModule("onnx", "python3-onnx");
        random.manual_seed(6);
        var files = new List<string>();
        foreach (var (arch, suffixes) in new[] { ("convnet", ""), ("convnet", "gray_normalize"), ("resnet18", "double"), ("resnet50", "frozen_normalize"), ("bninception", "normalize_double") })
        {
            using var model = OnnxModels.Create(arch, suffixes);
            var file = Path.Combine(_folder.Path, $"{OnnxModels.Spec(arch, suffixes).FullName}.onnx");
            File.WriteAllBytes(file, OnnxModels.Export(model, new OnnxExportRequest(OnnxModels.Spec(arch, suffixes).FullName, OnnxModels.Contract(arch, suffixes), 64)));
            files.Add(file);
        }
        // One interpreter for all files; each is loaded, fully checked (shape inference included) and named when it fails.
        const string script = """
            import sys, onnx
            for path in sys.argv[1:]:
                model = onnx.load(path)
                onnx.checker.check_model(model, full_check=True)
                print("ok", path, model.opset_import[0].version)
            """;
        var result = DotnetCli.ExecProgram("/usr/bin/python3", _folder.Path, null, TimeSpan.FromMinutes(5), ["-c", script, .. files]);
        Assert.True(result.ExitCode == 0, $"onnx.checker refused a file:\n{result.Output}\n{result.Error}");
        Assert.Equal(files.Count, result.Output.Split('\n').Count(line => line.StartsWith("ok ", StringComparison.Ordinal) && line.EndsWith(" 17", StringComparison.Ordinal)));
    }
}
