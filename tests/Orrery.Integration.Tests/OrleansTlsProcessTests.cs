using Orrery.Cluster.Security;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Cluster;
using Orrery.Testing;

namespace Orrery.Integration.Tests;

/// <summary>
/// Who may join, with real processes: silo processes given the cluster authority's certificate files talk mutual TLS
/// over Orleans; a client with a member certificate is served, while a client from another authority, one without TLS
/// and one with an expired certificate get a clear error, and a silo from another authority, or one without TLS, cannot
/// join; the cluster keeps serving throughout.
/// </summary>
public sealed class OrleansTlsProcessTests(RedisFixture fixture) : IClassFixture<RedisFixture>, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _folder = Directory.CreateTempSubdirectory("orrery-tls-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task MembersOfTheAuthorityFormTheCluster_OutsidersAndExpiredOrMissingCertificatesAreRefused()
    {
        var ours = Path.Combine(_folder, "ours");
        var theirs = Path.Combine(_folder, "theirs");
        var authority = ClusterTlsFiles.WriteAuthority(ours, "it", TimeSpan.FromDays(1));
        var other = ClusterTlsFiles.WriteAuthority(theirs, "other", TimeSpan.FromDays(1));
        var now = DateTimeOffset.UtcNow;
        var silo0 = ClusterTlsFiles.WriteMember(ours, authority, "silo-0", now.AddMinutes(-1), now.AddHours(1));
        var silo1 = ClusterTlsFiles.WriteMember(ours, authority, "silo-1", now.AddMinutes(-1), now.AddHours(1));
        var client = ClusterTlsFiles.WriteMember(ours, authority, "client", now.AddMinutes(-1), now.AddHours(1));
        var expired = ClusterTlsFiles.WriteMember(ours, authority, "expired", now.AddMinutes(-4), now.AddMinutes(-2));
        var intruder = ClusterTlsFiles.WriteMember(theirs, other, "intruder", now.AddMinutes(-1), now.AddHours(1));

        await using var cluster = new ProcessCluster(fixture.Redis);
        cluster.StartSilo("silo-0", FreePort.Next(), FreePort.Next(), Tls(silo0));
        cluster.StartSilo("silo-1", FreePort.Next(), FreePort.Next(), Tls(silo1));
        await Task.WhenAll(cluster.Silos.Select(s => s.WaitReadyAsync(Deadline)));

        // A member client is served by both silos.
        await using (var member = await ConnectAsync(cluster, client, TimeSpan.FromSeconds(30)))
        {
            var silos = await member.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync();
            Assert.Equal(["silo-0", "silo-1"], silos.Select(s => s.Name).Order(StringComparer.Ordinal));
        }

        // Another authority's client and a client without TLS: no gateway answers them, and the error says why it may be.
        // Both try at the same time (each waits out its 5 s).
        var outsiderRefused = Assert.ThrowsAsync<TimeoutException>(() => ConnectAsync(cluster, intruder, TimeSpan.FromSeconds(5)));
        var plainRefused = Assert.ThrowsAsync<TimeoutException>(() => ConnectAsync(cluster, null, TimeSpan.FromSeconds(5)));
        var outsider = await outsiderRefused;
        Assert.Contains("no Orleans gateway of cluster", outsider.Message);
        Assert.Contains("did not issue", outsider.Message);
        var plain = await plainRefused;
        Assert.Contains("answers no client without a member certificate", plain.Message);

        // An expired certificate is refused before it is presented, naming the file and its validity.
        var stale = await Assert.ThrowsAsync<ArgumentException>(() => ConnectAsync(cluster, expired, TimeSpan.FromSeconds(5)));
        Assert.Contains($"{expired.Certificate} (CN=expired) cannot join: it is valid from", stale.Message);

        // A silo from another authority and a silo without TLS cannot join: each stops instead of forming a cluster.
        var foreign = cluster.StartSilo("foreign", FreePort.Next(), FreePort.Next(), Tls(intruder));
        var open = cluster.StartSilo("open", FreePort.Next(), FreePort.Next());
        Assert.NotEqual(0, await foreign.WaitExitAsync(Deadline));
        Assert.NotEqual(0, await open.WaitExitAsync(Deadline));

        // An expired certificate in a silo's settings stops it at start, naming the setting.
        var staleSilo = cluster.StartSilo("stale", FreePort.Next(), FreePort.Next(), Tls(expired));
        Assert.Equal(2, await staleSilo.WaitExitAsync(Deadline));
        Assert.Contains("OrleansSilo:TlsCertificate", staleSilo.Output);
        Assert.Contains("cannot join: it is valid from", staleSilo.Output);

        // The cluster kept serving its members.
        await using var again = await ConnectAsync(cluster, client, TimeSpan.FromSeconds(30));
        Assert.Equal(2, (await again.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync()).Length);
        Assert.All(cluster.Silos.Take(2), s => Assert.False(s.HasExited, $"{s.Name} stopped:\n{s.Output}"));
    }

    private static string[] Tls(ClusterTlsFiles files) =>
        ["--OrleansSilo:TlsCertificate", files.Certificate, "--OrleansSilo:TlsKey", files.Key, "--OrleansSilo:TlsAuthority", files.Authority];

    private static Task<OrleansClientConnection> ConnectAsync(ProcessCluster cluster, ClusterTlsFiles? tls, TimeSpan timeout) =>
        OrleansClientConnection.ConnectAsync([.. cluster.Silos.Take(2).Select(s => s.OrleansGateway)], null, cluster.ClusterId, "orrery", timeout, tls: tls);
}
