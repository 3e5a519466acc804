using NirHost.Samples.RetrievalService;

// POST an image, get its nearest indexed images: a model exported by `nirhost export --onnx`, an index built by
// `nirhost index build`, no libtorch.
var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
{
    ["--model"] = $"{RetrievalServiceOptions.Section}:{nameof(RetrievalServiceOptions.Model)}",
    ["--index"] = $"{RetrievalServiceOptions.Section}:{nameof(RetrievalServiceOptions.Index)}",
    ["--threads"] = $"{RetrievalServiceOptions.Section}:{nameof(RetrievalServiceOptions.Threads)}",
});
var options = builder.Configuration.GetSection(RetrievalServiceOptions.Section).Get<RetrievalServiceOptions>() ?? new RetrievalServiceOptions();
// Loaded before the server starts: a wrong path or a model and index that do not belong together stop it with the reason.
builder.Services.AddSingleton(new RetrievalEngine(options));

var app = builder.Build();

app.MapGet("/health", (RetrievalEngine engine) => Results.Json(engine.Describe()));

app.MapPost("/search", async (HttpRequest request, RetrievalEngine engine, int? k) =>
{
    var count = k ?? engine.Options.DefaultK;
    if (count < 1 || count > engine.Options.MaxK)
    {
        return Results.Problem($"k must be between 1 and {engine.Options.MaxK}; got {count}.", statusCode: StatusCodes.Status400BadRequest);
    }
    var (image, name) = await QueryImage.ReadAsync(request);
    if (image.Length == 0)
    {
        return Results.Problem("Send the query image as the request body (Content-Type image/*) or as a multipart/form-data file.",
            statusCode: StatusCodes.Status400BadRequest);
    }
    try
    {
        return Results.Json(engine.Search(image, name, count));
    }
    catch (InvalidDataException e)
    {
        return Results.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest);
    }
});

app.Run();
