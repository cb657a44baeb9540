using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace Orrery.Cluster.Security;

/// <summary>Mutual TLS on a silo's silo and gateway connections, and on a client's: only members of one authority talk.</summary>
public static class OrreryTlsExtensions
{
    /// <summary>The silo presents <paramref name="member"/> and requires a certificate from <paramref name="authority"/> of every peer and client.</summary>
    public static ISiloBuilder UseClusterTls(this ISiloBuilder builder, X509Certificate2 member, X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseTls(member, options => Configure(options, authority));
    }

    /// <summary>The client presents <paramref name="member"/> and requires a certificate from <paramref name="authority"/> of its gateways.</summary>
    public static IClientBuilder UseClusterTls(this IClientBuilder builder, X509Certificate2 member, X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.UseTls(member, options => Configure(options, authority));
    }

    private static void Configure(TlsOptions options, X509Certificate2 authority)
    {
        var validator = ClusterCertificates.ValidatorFor(authority);
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (certificate, chain, errors) => validator(certificate, chain, errors);
        options.HandshakeTimeout = TimeSpan.FromSeconds(10);
    }
}
