using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Runtime;
using Orrery.Cluster.Security;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Diagnostics;
using Orrery.Testing;

namespace Orrery.Cluster.Tests.OrleansHosting;

/// <summary>The embedded Orleans cluster behind <c>orrery demo</c> and <c>orrery run</c> without a gateway: real silos in one process.</summary>
public sealed class OrleansEmbeddedClusterTests
{
    [Fact]
    public async Task ThreeSilosServeGrains_OfferTheirGpus_AndPassTensorsByReference()
    {
        await using var cluster = await OrleansEmbeddedCluster.StartAsync([0, 2, 0]);
        var where = (await Task.WhenAll(Enumerable.Range(0, 60).Select(i => cluster.Client.GetGrain<IPingGrain>(i).WhereAsync()))).Select(w => w.Name).ToArray();
        Assert.All(where, name => Assert.Contains(name, new[] { "embedded-0", "embedded-1", "embedded-2" }));
        Assert.True(where.Distinct().Count() >= 2, $"60 grains all on {where[0]}");

        // Only silo 1 offers GPUs.
        var gpuSilo = cluster.Silos[1].GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var placed = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => cluster.Client.GetGrain<IGpuWorkGrain>(i).SiloAsync()));
        Assert.All(placed, silo => Assert.Equal(gpuSilo, silo));

        float[] data = [1, 2, 3, 4.5f];
        var tensor = cluster.TensorChannel(0).Put(data);
        Assert.Equal(data, await cluster.TensorChannel(2).FetchAsync<float>(tensor));
    }

    /// <summary>
    /// A port found free but taken before its silo binds it (by another cluster starting in parallel, or an outgoing
    /// connection, between the check and Orleans's bind) fails that start; the cluster starts again on fresh ports, and
    /// after three such starts the error is the caller's.
    /// </summary>
    [Fact]
    public async Task APortTakenBeforeItsSiloBindsIt_TheClusterStartsAgainOnFreshPorts_ThreeTimesAtMost()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var takenPort = ((IPEndPoint)taken.LocalEndPoint!).Port;

        // Ports are handed out four per start of two silos (silo 0's silo and gateway ports, then silo 1's); here the
        // first start's first port is the taken one.
        var handedOut = 0;
        await using (var cluster = await OrleansEmbeddedCluster.StartAsync([0, 0], null, null, CancellationToken.None, null,
            () => Interlocked.Increment(ref handedOut) == 1 ? takenPort : FreePort.Next()))
        {
            Assert.StartsWith("embedded-", (await cluster.Client.GetGrain<IPingGrain>(1).WhereAsync()).Name, StringComparison.Ordinal);
            Assert.Equal(8, handedOut);
        }

        // Taken at every start: the third failure is thrown.
        handedOut = 0;
        await Assert.ThrowsAsync<Microsoft.AspNetCore.Connections.AddressInUseException>(() => OrleansEmbeddedCluster.StartAsync([0, 0], null, null, CancellationToken.None, null,
            () => Interlocked.Increment(ref handedOut) % 4 == 1 ? takenPort : FreePort.Next()));
        Assert.Equal(12, handedOut);
    }

    [Fact]
    public async Task OnlyClientsWithAValidCertificateFromTheClustersAuthorityMayJoin_AndTheClusterKeepsServing()
    {
        await using var cluster = await OrleansEmbeddedCluster.StartAsync([0, 0]);
        Assert.StartsWith("embedded-", (await cluster.Client.GetGrain<IPingGrain>(1).WhereAsync()).Name, StringComparison.Ordinal);

        var (_, foreign) = ClusterCertificates.CreateThrowaway("elsewhere");
        var now = DateTimeOffset.UtcNow;
        var expired = ClusterCertificates.IssueMember(cluster.Authority, "expired member", now.AddDays(-2), now.AddDays(-1));
        // The three intruders try at the same time (each waits out the same deadline).
        var intruders = new (string What, X509Certificate2? Certificate)[] { ("another authority", foreign), ("expired", expired), ("no certificate", null) };
        var refusals = await Task.WhenAll(intruders.Select(intruder => Record.ExceptionAsync(async () =>
        {
            // Refused means no call of its gets an answer. A client whose certificate the gateway rejects after the TLS
            // handshake completed on its side (TLS 1.3) keeps reconnecting instead of failing at once: that is
            // Orleans's client, and the deadline here stands for it.
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            using var client = await cluster.ConnectClientAsync(intruder.Certificate, cancellationToken: deadline.Token).WaitAsync(deadline.Token);
            await client.Services.GetRequiredService<IClusterClient>().GetGrain<IPingGrain>(2).WhereAsync().WaitAsync(deadline.Token);
        })));
        foreach (var (intruder, refused) in intruders.Zip(refusals))
        {
            Assert.True(refused is not null, $"a client with {intruder.What} joined the cluster and was answered");
        }

        // The right authority, valid now: a second client joins; the first still works.
        using var member = await cluster.ConnectClientAsync(ClusterCertificates.IssueMember(cluster.Authority, "late member", now.AddMinutes(-1), now.AddHours(1)));
        Assert.StartsWith("embedded-", (await member.Services.GetRequiredService<IClusterClient>().GetGrain<IPingGrain>(3).WhereAsync()).Name, StringComparison.Ordinal);
        Assert.StartsWith("embedded-", (await cluster.Client.GetGrain<IPingGrain>(4).WhereAsync()).Name, StringComparison.Ordinal);
    }

    [Fact]
    public void ACertificateIsAMemberOnlyIfItsAuthorityIssuedItAndItIsValidNow()
    {
        var (authority, member) = ClusterCertificates.CreateThrowaway("a");
        var (other, foreign) = ClusterCertificates.CreateThrowaway("b");
        var now = DateTimeOffset.UtcNow;
        Assert.True(ClusterCertificates.IsIssuedBy(member, authority));
        Assert.False(ClusterCertificates.IsIssuedBy(foreign, authority));
        Assert.False(ClusterCertificates.IsIssuedBy(member, other));
        Assert.False(ClusterCertificates.IsIssuedBy(ClusterCertificates.IssueMember(authority, "old", now.AddDays(-2), now.AddDays(-1)), authority));
        Assert.False(ClusterCertificates.IsIssuedBy(ClusterCertificates.IssueMember(authority, "future", now.AddDays(1), now.AddDays(2)), authority));
        Assert.True(member.HasPrivateKey);
    }
}
