using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Orrery.Bench.Runtime;

/// <summary>
/// The peer of the small-call benchmark: a plain Kestrel endpoint that answers <c>POST /echo</c>
/// with the request body, HTTP/2 only without TLS (h2c, prior knowledge), Kestrel's defaults
/// otherwise (100 streams per connection). Runs until stdin closes.
/// </summary>
internal static class H2EchoServer
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length != 1 || !int.TryParse(args[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            await Console.Error.WriteLineAsync("usage: serve-h2 PORT");
            return 2;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2);
        });
        await using var app = builder.Build();
        app.MapPost("/echo", EchoAsync);
        await app.StartAsync();
        Console.WriteLine("ready");

        // The parent closes stdin when it is done (or dies).
        await Console.In.ReadToEndAsync();
        await app.StopAsync();
        return 0;
    }

    private static async Task EchoAsync(HttpContext context)
    {
        // Bodies are a few bytes; anything past 4 KiB is not an echo benchmark.
        var body = new byte[4096];
        var length = 0;
        int read;
        while (length < body.Length && (read = await context.Request.Body.ReadAsync(body.AsMemory(length), context.RequestAborted)) > 0)
        {
            length += read;
        }

        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = length;
        await context.Response.Body.WriteAsync(body.AsMemory(0, length), context.RequestAborted);
    }
}
