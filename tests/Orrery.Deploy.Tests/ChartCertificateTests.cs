using System.Security.Cryptography.X509Certificates;
using Orrery.Cluster.Security;
using Orrery.Cluster.Silos;
using Orrery.Contracts.Cluster;
using Orrery.Testing;

namespace Orrery.Deploy.Tests;

/// <summary>
/// The certificates the chart generates (helm template with the default values: genCA and genSignedCert) verify against
/// the rendered authority with openssl, and real silo processes started with the rendered silo certificate form a
/// cluster that a client with the rendered client certificate joins, while a client holding another release's client
/// certificate (another rendering: another authority) is refused. Catches certificates that do not chain, lack the
/// key usages Orleans's TLS needs, or keys the silo cannot load.
/// </summary>
[Collection(LiveSilosCollection.Name)]
public sealed class ChartCertificateTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("orrery-chart-tls-");

    [Fact]
    public async Task RenderedCertificatesVerifyAgainstTheRenderedAuthorityAndCarryARealCluster()
    {
        var ours = await WriteCertificatesAsync(await Chart.RenderUncachedAsync(Chart.Defaults), "ours");
        var theirs = await WriteCertificatesAsync(await Chart.RenderUncachedAsync(Chart.Defaults), "theirs");

        foreach (var member in new[] { ours.Silo, ours.Client })
        {
            var verify = await ExternalTool.RunAsync("openssl", ["verify", "-CAfile", member.Authority, member.Certificate], "install openssl");
            Assert.True(verify.ExitCode == 0 && verify.Stdout.Contains(": OK", StringComparison.Ordinal), verify.Output);
        }

        var foreign = await ExternalTool.RunAsync("openssl", ["verify", "-CAfile", ours.Silo.Authority, theirs.Client.Certificate], "install openssl");
        Assert.NotEqual(0, foreign.ExitCode);

        // The validity asked for by tls.validityDays (730 by default), within a day.
        using var silo = X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(ours.Silo.Certificate));
        Assert.InRange((silo.NotAfter - silo.NotBefore).TotalDays, 729, 731);
        Assert.Contains("silo", silo.Subject, StringComparison.Ordinal);

        await using var redis = await RedisServer.StartNewAsync();
        await using var cluster = new ProcessCluster(redis);
        cluster.StartSilo("silo-0", FreePort.Next(), FreePort.Next(), Tls(ours.Silo));
        cluster.StartSilo("silo-1", FreePort.Next(), FreePort.Next(), Tls(ours.Silo));
        await Task.WhenAll(cluster.Silos.Select(s => s.WaitReadyAsync(Deadline)));

        await using (var member = await ConnectAsync(cluster, ours.Client, TimeSpan.FromSeconds(30)))
        {
            var active = await member.Client.GetGrain<IClusterInventoryGrain>(0).GetActiveSilosAsync();
            Assert.Equal(["silo-0", "silo-1"], active.Select(s => s.Name).Order(StringComparer.Ordinal));
        }

        await Assert.ThrowsAsync<TimeoutException>(() => ConnectAsync(cluster, theirs.Client, TimeSpan.FromSeconds(5)));
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private static string[] Tls(ClusterTlsFiles files) =>
        ["--OrleansSilo:TlsCertificate", files.Certificate, "--OrleansSilo:TlsKey", files.Key, "--OrleansSilo:TlsAuthority", files.Authority];

    private static Task<OrleansClientConnection> ConnectAsync(ProcessCluster cluster, ClusterTlsFiles tls, TimeSpan timeout) =>
        OrleansClientConnection.ConnectAsync([.. cluster.Silos.Select(s => s.OrleansGateway)], null, cluster.ClusterId, "orrery", timeout, tls: tls);

    /// <summary>Writes the rendered silo and client Secrets' ca.crt, tls.crt and tls.key as the pods see them.</summary>
    private async Task<(ClusterTlsFiles Silo, ClusterTlsFiles Client)> WriteCertificatesAsync(RenderedChart chart, string name)
    {
        async Task<ClusterTlsFiles> Write(string secret)
        {
            var data = chart.Single("Secret", secret)["data"]!.AsObject();
            var folder = Path.Combine(_folder.FullName, name, secret);
            Directory.CreateDirectory(folder);
            foreach (var key in new[] { "ca.crt", "tls.crt", "tls.key" })
            {
                await File.WriteAllBytesAsync(Path.Combine(folder, key), Convert.FromBase64String(data[key]!.GetValue<string>()));
            }

            return ClusterTlsFiles.FromSettings(Path.Combine(folder, "tls.crt"), Path.Combine(folder, "tls.key"), Path.Combine(folder, "ca.crt"))!;
        }

        return (await Write($"{Chart.Release}-tls-silo"), await Write($"{Chart.Release}-tls-client"));
    }
}
