using Google.Protobuf;
using Orrery.Cluster.Client;
using Orrery.Cluster.Configuration;
using Orrery.Cluster.Errors;
using Orrery.Cluster.Hosting;
using Orrery.Cluster.Transport;
using Orrery.Contracts.Diagnostics;
using Orrery.Diagnostics;

namespace Orrery.Cluster.Tests.Transport;

/// <summary>
/// Input no well-behaved member sends: each gets its clear, typed error, and the silo keeps
/// serving (checked after each case with a normal call).
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private EmbeddedCluster _cluster = null!;

    private Silo Silo => _cluster.Silos[0];

    public async Task InitializeAsync() =>
        _cluster = await EmbeddedCluster.StartAsync(1, [DiagnosticsAssembly.Assembly], configure: (c, _, _) => c.MaxPayloadBytes = 1 << 20);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task GarbageRequestBodyIsABadRequest()
    {
        await using var raw = await RawFrameClient.ConnectAsync(Silo.Port, _cluster.Cluster.ClusterId, _cluster.Cluster.Secret);
        // 0x0A 0x7F: field 1, length 127, but only one byte follows: not a valid EchoRequest.
        await raw.SendAsync(Request(1, "EchoAsync"), new byte[] { 0x0A, 0x7F, 0x01 }, 0, default);
        var (header, _) = await raw.ReceiveAsync(Wait);
        Assert.Equal(CallStatus.BadRequest, header.Status);
        Assert.Contains("diag.echo.EchoAsync", header.Error);
        Assert.Contains("EchoRequest", header.Error);

        // The same connection still serves a good request afterwards.
        await raw.SendAsync(Request(2, "EchoAsync"), new EchoRequest { Text = "after" }.ToByteArray(), 0, default);
        var (ok, message) = await raw.ReceiveAsync(Wait);
        Assert.Equal(CallStatus.Ok, ok.Status);
        Assert.Equal("after", EchoReply.Parser.ParseFrom(message).Text);
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task TruncatedFrameClosesOnlyThatConnection()
    {
        await using (var raw = await RawFrameClient.ConnectAsync(Silo.Port, _cluster.Cluster.ClusterId, _cluster.Cluster.Secret))
        {
            var prefix = new byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(prefix, 40);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(prefix.AsSpan(4), 100);
            await raw.Stream.WriteAsync(prefix);
            await raw.Stream.WriteAsync(new byte[10]);
        }

        await AssertHealthyAsync();
    }

    [Fact]
    public async Task GarbageHeaderClosesTheConnection()
    {
        await using var raw = await RawFrameClient.ConnectAsync(Silo.Port, _cluster.Cluster.ClusterId, _cluster.Cluster.Secret);
        var prefix = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(prefix, 4);
        await raw.Stream.WriteAsync(prefix);
        await raw.Stream.WriteAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF });
        Assert.True(await raw.ClosedByPeerAsync(Wait));
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task OversizedPayloadIsRefusedBeforeItIsRead()
    {
        await using var raw = await RawFrameClient.ConnectAsync(Silo.Port, _cluster.Cluster.ClusterId, _cluster.Cluster.Secret);
        await raw.SendAsync(Request(7, "RoundTripAsync", "diag.tensor"), new TensorRequest().ToByteArray(), 64L << 30, default);
        var (header, _) = await raw.ReceiveAsync(Wait);
        Assert.Equal(7UL, header.CorrelationId);
        Assert.Equal(CallStatus.PayloadTooLarge, header.Status);
        Assert.Contains("Cluster:MaxPayloadBytes", header.Error);
        Assert.True(await raw.ClosedByPeerAsync(Wait));
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task OversizedPayloadFromATypedClientFailsBeforeSending()
    {
        var tensor = new byte[2 << 20];
        var error = await Assert.ThrowsAsync<PayloadTooLargeException>(() =>
            _cluster.Client.GetGrain<ITensorGrain>("big").RoundTripAsync(new TensorRequest { Payload = tensor }, CancellationToken.None));
        Assert.Contains("exceeds", error.Message);
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task UnknownGrainTypeAndMethodAreNamed()
    {
        await using var raw = await RawFrameClient.ConnectAsync(Silo.Port, _cluster.Cluster.ClusterId, _cluster.Cluster.Secret);
        await raw.SendAsync(Request(1, "EchoAsync", "no.such.type"), new EchoRequest().ToByteArray(), 0, default);
        var (unknownType, _) = await raw.ReceiveAsync(Wait);
        Assert.Equal(CallStatus.UnknownGrainType, unknownType.Status);
        Assert.Contains("'no.such.type'", unknownType.Error);
        Assert.Contains("diag.echo", unknownType.Error);

        await raw.SendAsync(Request(2, "Launch"), new EchoRequest().ToByteArray(), 0, default);
        var (unknownMethod, _) = await raw.ReceiveAsync(Wait);
        Assert.Equal(CallStatus.UnknownMethod, unknownMethod.Status);
        Assert.Contains("'Launch'", unknownMethod.Error);
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task WrongSecretIsRefusedWithAClearError()
    {
        var options = new ClusterClientOptions
        {
            Gateways = [$"127.0.0.1:{Silo.Port}"],
            Cluster = new ClusterOptions { ClusterId = _cluster.Cluster.ClusterId, Secret = "not-the-secret" },
        };
        var error = await Assert.ThrowsAsync<ClusterUnauthorizedException>(() => ClusterClient.ConnectAsync(options));
        Assert.Contains("secret", error.Message);
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task WrongClusterIdIsRefusedWithAClearError()
    {
        var options = new ClusterClientOptions
        {
            Gateways = [$"127.0.0.1:{Silo.Port}"],
            Cluster = new ClusterOptions { ClusterId = "some-other-cluster", Secret = _cluster.Cluster.Secret },
        };
        var error = await Assert.ThrowsAsync<ClusterUnauthorizedException>(() => ClusterClient.ConnectAsync(options));
        Assert.Contains("'embedded'", error.Message);
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task NonProtocolBytesBeforeTheHandshakeAreRefused()
    {
        await using var raw = await RawFrameClient.ConnectAsync(Silo.Port, _cluster.Cluster.ClusterId, secret: null);
        await raw.Stream.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        Assert.True(await raw.ClosedByPeerAsync(Wait));
        await AssertHealthyAsync();
    }

    [Fact]
    public async Task NobodyListeningIsSiloUnavailable()
    {
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var options = new ClusterClientOptions { Gateways = [$"127.0.0.1:{port}"], Cluster = new ClusterOptions { Secret = "s" } };
        var error = await Assert.ThrowsAsync<SiloUnavailableException>(() => ClusterClient.ConnectAsync(options));
        Assert.Contains($"127.0.0.1:{port}", error.Message);
    }

    [Theory]
    [InlineData("nohost")]
    [InlineData("host:notaport")]
    [InlineData("host:70000")]
    public async Task BadGatewayAddressIsNamed(string gateway)
    {
        var options = new ClusterClientOptions { Gateways = [gateway], Cluster = new ClusterOptions { Secret = "s" } };
        var error = await Assert.ThrowsAsync<ArgumentException>(() => ClusterClient.ConnectAsync(options));
        Assert.Contains(gateway, error.Message);
    }

    private static FrameHeader Request(ulong id, string method, string grainType = "diag.echo") => new()
    {
        Kind = FrameKind.Request,
        CorrelationId = id,
        GrainType = grainType,
        GrainKey = "bad-input",
        Method = method,
        TimeoutMs = 5000,
    };

    private async Task AssertHealthyAsync()
    {
        var reply = await _cluster.Client.GetGrain<IEchoGrain>($"health-{Guid.NewGuid():N}").EchoAsync(new EchoRequest { Text = "ok" }, CancellationToken.None);
        Assert.Equal("ok", reply.Text);
        Assert.True(Silo.IsActive);
    }
}
