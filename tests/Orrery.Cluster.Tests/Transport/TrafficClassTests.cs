using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Orrery.Cluster.Tensors;

namespace Orrery.Cluster.Tests.Transport;

/// <summary>
/// The tensor channel marks its packets with <see cref="TensorChannelOptions.Dscp"/> at both ends of a connection (the
/// fetcher's outbound socket and the owner's accepted one), as the kernel reports it for the live sockets (<c>ss --tos</c>,
/// iproute2); 0 leaves them unmarked.
/// </summary>
public sealed class TrafficClassTests
{
    private const string Secret = "traffic-class-secret";

    [Theory]
    [InlineData(10, "0x28")] // AF11, the default
    [InlineData(46, "0xb8")] // EF
    [InlineData(0, "0")]
    public async Task BothEndsOfAChannelConnectionCarryTheDscp(int dscp, string tos)
    {
        await using var owner = Start("owner", 1, dscp);
        await using var reader = Start("reader", 2, dscp);
        var tensor = owner.Put(new float[] { 1, 2, 3 });
        Assert.Equal(new float[] { 1, 2, 3 }, await reader.FetchAsync<float>(tensor).WaitAsync(TimeSpan.FromSeconds(10)));

        var port = owner.Endpoint.Split(':')[1];
        var sockets = Ss($"-tn --tos state established ( sport = :{port} or dport = :{port} )")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => !l.StartsWith("Recv-Q", StringComparison.Ordinal))
            .ToList();

        // At least one connection, seen from both ends on loopback.
        Assert.True(sockets.Count >= 2, $"ss listed {sockets.Count} sockets of port {port}:\n{string.Join('\n', sockets)}");
        Assert.All(sockets, line => Assert.Contains($"tos:{tos} ", line + " ", StringComparison.Ordinal));
    }

    [Fact]
    public void TheDefaultIsAf11() => Assert.Equal(10, new TensorChannelOptions().Dscp);

    private static TensorChannel Start(string name, long generation, int dscp)
    {
        // The default connect timeout (5 s): a 1 s one failed a CI run whose two cores were busy with other test
        // classes (the connection and its handshake took longer), and this test is about the marks, not the deadline.
        var channel = new TensorChannel(
            new TensorChannelOptions { Secret = Secret, BindAddress = "127.0.0.1", Port = 0, Dscp = dscp },
            new TensorChannelIdentity(name, generation, null), NullLoggerFactory.Instance);
        channel.Start();
        return channel;
    }

    private static string Ss(string arguments)
    {
        var start = new ProcessStartInfo("ss") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("ss (iproute2) did not start; scripts/test.sh installs it");
        var output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(10_000) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ss {arguments} failed: {process.StandardError.ReadToEnd()}");
        }

        return output;
    }
}
