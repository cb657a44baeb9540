using System.Net;
using Orrery.Diagnostics;

namespace Orrery.Bench.Runtime;

/// <summary>
/// Drives the HTTP/2 echo endpoint from this process with <see cref="HttpClient"/> (HTTP/2 only,
/// <see cref="HttpVersionPolicy.RequestVersionExact"/>, h2c), through the same
/// <see cref="LoadDriver"/> loop the load grain uses, sending a 3-byte body (the size of the one-character
/// text the grain calls carry).
/// </summary>
internal sealed class H2EchoDriver : IDisposable
{
    private static readonly byte[] Body = [0x0A, 0x01, (byte)'x'];

    private readonly HttpClient _http;
    private readonly Uri _echo;

    public H2EchoDriver(int port)
    {
        _echo = new Uri($"http://127.0.0.1:{port}/echo");
        _http = new HttpClient(new SocketsHttpHandler
        {
            // One connection, SocketsHttpHandler's default: calls past Kestrel's 100 streams wait in the
            // client. Allowing more connections was slower past 100 in flight on 2 cores (31k calls/s
            // at 256 against 45k) and collapsed in the open loop once a backlog formed.
            EnableMultipleHttp2Connections = false,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        })
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public Task<LoadMeasurement> RunAsync(int calls, int concurrency, double rate) =>
        LoadDriver.RunAsync(calls, concurrency, rate, CallAsync, CancellationToken.None);

    public void Dispose() => _http.Dispose();

    private async Task CallAsync(int i, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _echo)
        {
            Content = new ByteArrayContent(Body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var echoed = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (echoed.Length != Body.Length)
        {
            throw new InvalidOperationException($"the echo endpoint answered {echoed.Length} bytes for {Body.Length}");
        }
    }
}
