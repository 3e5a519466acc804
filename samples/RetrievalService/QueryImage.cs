namespace NirHost.Samples.RetrievalService;

/// <summary>The query image of a request: the first file of a multipart/form-data body, or else the raw body.</summary>
public static class QueryImage
{
    public static async Task<(byte[] Bytes, string Name)> ReadAsync(HttpRequest request)
    {
        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            if (form.Files.Count == 0)
            {
                return ([], "");
            }
            var file = form.Files[0];
            using var copy = new MemoryStream();
            await file.CopyToAsync(copy, request.HttpContext.RequestAborted);
            return (copy.ToArray(), string.IsNullOrEmpty(file.FileName) ? file.Name : file.FileName);
        }
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        return (body.ToArray(), "request body");
    }
}
