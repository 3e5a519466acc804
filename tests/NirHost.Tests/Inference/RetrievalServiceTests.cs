using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using NirHost.Host.Commands;
using NirHost.Tests.Retrieval;
using NirHost.Tests.Support;

namespace NirHost.Tests.Inference;

/// <summary>
/// samples/RetrievalService as a user publishes and runs it: <c>dotnet publish</c> (once, shared by the tests) gives an
/// application without libtorch and without TorchSharp that carries ONNX Runtime; started on a tiny run's exported model
/// and index, it answers a query image with the image itself first. Skip it while iterating with
/// <c>--filter Category!=Publish</c>.
/// </summary>
[Trait("Category", "Publish")]
[Collection(TrainedRunCollection.Name)]
public sealed class RetrievalServiceTests(TrainedRunFixture run, RetrievalServiceTests.Published published) : IClassFixture<RetrievalServiceTests.Published>
{
    /// <summary>The sample published once into a folder of its own (its build outputs too, away from the repository's).</summary>
    public sealed class Published : IDisposable
    {
        private readonly TempFolder _folder = new();

        public Published()
        {
            Output = Path.Combine(_folder.Path, "publish");
            DotnetCli.Run(Repository.Root, null, "publish", Path.Combine("samples", "RetrievalService"), "-c", "Release",
                "--artifacts-path", Path.Combine(_folder.Path, "artifacts"), "-o", Output, "-m:1", "-nodeReuse:false");
        }

        public string Output { get; }

        public void Dispose() => _folder.Dispose();
    }

    [Fact]
    public void The_published_service_carries_onnx_runtime_and_no_libtorch_or_torchsharp()
    {
        var files = Directory.GetFiles(published.Output, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToList();

        Assert.Contains("RetrievalService.dll", files);
        Assert.Contains("NirHost.Inference.dll", files);
        Assert.Contains("Microsoft.ML.OnnxRuntime.dll", files);
        Assert.Contains(files, f => f!.StartsWith("libonnxruntime", StringComparison.Ordinal) || f.Equals("onnxruntime.dll", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(files, f => f!.StartsWith("libtorch", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(files, f => f!.StartsWith("TorchSharp", StringComparison.OrdinalIgnoreCase) || f.Contains("LibTorchSharp", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(files, f => f!.Equals("NirHost.Abstractions.dll", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_published_service_answers_a_query_image_with_the_image_itself_first()
    {
        var onnx = Path.Combine(run.Folder.Path, "service.onnx");
        Assert.Equal(0, ExportCommand.Run(HostHarness.Catalog, TrainedRunFixture.Flags, [run.Summary.RunFolder, "--onnx", onnx], TextWriter.Null));
        var embeddings = Path.Combine(run.Folder.Path, "service.safetensors");
        TrainedRunFixture.Embed("--onnx", onnx, "--images", run.Images, "--out", embeddings);
        var index = Path.Combine(run.Folder.Path, "service.index");
        TrainedRunFixture.BuildIndex(embeddings, "--out", index);
        var query = Path.Combine(run.Images, "more", "img07.png");

        var port = FreePort();
        using var service = DotnetCli.Start(run.Folder.Path, null,
            [Path.Combine(published.Output, "RetrievalService.dll"), "--urls", $"http://127.0.0.1:{port}", "--model", onnx, "--index", index]);
        var log = new StringBuilder();
        service.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        service.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        service.BeginOutputReadLine();
        service.BeginErrorReadLine();
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
            var health = await WaitUntilUp(client, service, log);
            Assert.Equal(12, health["indexed"]!.GetValue<int>());
            Assert.Equal(32, health["input_size"]!.GetValue<int>());

            using var raw = new ByteArrayContent(File.ReadAllBytes(query));
            raw.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            var answer = await Answer(await client.PostAsync("/search?k=3", raw));
            var matches = answer["matches"]!.AsArray();
            Assert.Equal(3, matches.Count);
            Assert.Equal(1, matches[0]!["rank"]!.GetValue<int>());
            Assert.Equal(query, matches[0]!["path"]!.GetValue<string>());
            Assert.True(matches[0]!["distance"]!.GetValue<double>() < 1e-4, answer.ToJsonString());
            Assert.True(matches[1]!["distance"]!.GetValue<double>() >= matches[0]!["distance"]!.GetValue<double>());

            using var form = new MultipartFormDataContent();
            var file = new ByteArrayContent(File.ReadAllBytes(Path.Combine(run.Images, "img02.png")));
            file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            form.Add(file, "image", "img02.png");
            var multipart = await Answer(await client.PostAsync("/search", form));
            Assert.Equal("img02.png", multipart["query"]!.GetValue<string>());
            Assert.Equal(5, multipart["matches"]!.AsArray().Count);
            Assert.Equal(Path.Combine(run.Images, "img02.png"), multipart["matches"]![0]!["path"]!.GetValue<string>());

            using var notAnImage = new ByteArrayContent(Encoding.ASCII.GetBytes("not an image"));
            var refused = await client.PostAsync("/search", notAnImage);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("Cannot decode image", await refused.Content.ReadAsStringAsync());
        }
        finally
        {
            service.Kill(entireProcessTree: true);
            service.WaitForExit(10_000);
        }
    }

    private static async Task<JsonObject> Answer(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static async Task<JsonObject> WaitUntilUp(HttpClient client, Process service, StringBuilder log)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (service.HasExited)
            {
                lock (log)
                {
                    Assert.Fail($"The service exited with {service.ExitCode}:{Environment.NewLine}{log}");
                }
            }
            try
            {
                return await Answer(await client.GetAsync("/health"));
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }
        lock (log)
        {
            Assert.Fail($"The service did not answer /health within a minute:{Environment.NewLine}{log}");
        }
        return null!;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
