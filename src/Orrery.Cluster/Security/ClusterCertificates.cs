using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orrery.Cluster.Security;

/// <summary>
/// The cluster certificate authority and its member certificates: who may join a cluster. Every silo-to-silo and
/// client-to-gateway connection is mutual TLS, and each side accepts the other only with a certificate issued by the
/// cluster's authority that is valid now; a certificate from another authority, none, or an expired one is refused.
/// </summary>
public static class ClusterCertificates
{
    /// <summary>
    /// A throwaway authority and one member certificate issued by it, made in memory (the embedded cluster's, and
    /// tests'); nothing is written to disk and both are gone with the process.
    /// </summary>
    public static (X509Certificate2 Authority, X509Certificate2 Member) CreateThrowaway(string clusterId)
    {
        // Valid from a week back to a week ahead, so tests can issue members that have already expired or are not yet
        // valid (a member may not outlive its authority, and certificate times are whole seconds).
        var now = DateTimeOffset.UtcNow;
        var authority = CreateAuthority($"orrery {clusterId} throwaway authority", now.AddDays(-7), now.AddDays(7));
        return (authority, IssueMember(authority, $"orrery {clusterId} member", now.AddMinutes(-5), now.AddDays(1)));
    }

    /// <summary>A self-signed certificate authority (ECDSA P-256) valid from <paramref name="notBefore"/> to <paramref name="notAfter"/>.</summary>
    public static X509Certificate2 CreateAuthority(string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(notBefore, notAfter);
    }

    /// <summary>
    /// A member certificate (server and client authentication, names localhost and 127.0.0.1) issued by
    /// <paramref name="authority"/>, valid from <paramref name="notBefore"/> to <paramref name="notAfter"/>, with its private key.
    /// </summary>
    public static X509Certificate2 IssueMember(X509Certificate2 authority, string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentNullException.ThrowIfNull(authority);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(authority, notBefore, notAfter, serial);
        // The exported PKCS#12 round trip gives a certificate whose key SslStream can use on Linux.
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// True when <paramref name="certificate"/> chains to <paramref name="authority"/> and every certificate in the chain is
    /// valid now. Host names are not checked: members are dialled by address, and membership in the cluster is what the
    /// authority vouches for.
    /// </summary>
    public static bool IsIssuedBy(X509Certificate2 certificate, X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authority);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        if (!chain.Build(certificate))
        {
            return false;
        }

        var root = chain.ChainElements[^1].Certificate;
        return root.RawData.AsSpan().SequenceEqual(authority.RawData);
    }

    /// <summary>A TLS validation callback accepting only certificates <see cref="IsIssuedBy"/> <paramref name="authority"/>.</summary>
    public static Func<X509Certificate2, X509Chain?, SslPolicyErrors, bool> ValidatorFor(X509Certificate2 authority) =>
        (certificate, _, _) => IsIssuedBy(certificate, authority);
}
