using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orrery.Cluster.Security;

/// <summary>
/// A member's TLS identity read from PEM files: its certificate, its private key, and the cluster authority's certificate
/// it requires of every peer. The same three settings serve a silo process (<c>OrleansSilo:TlsCertificate</c>,
/// <c>OrleansSilo:TlsKey</c>, <c>OrleansSilo:TlsAuthority</c>) and the client. <see cref="WriteAuthority"/> and
/// <see cref="WriteMember"/> make such files (what <c>orrery certs</c> runs).
/// </summary>
public sealed record ClusterTlsFiles(string Certificate, string Key, string Authority)
{
    /// <summary>The setting names, in the order of the record's members, for error messages.</summary>
    public static readonly (string Certificate, string Key, string Authority) SettingNames =
        ("OrleansSilo:TlsCertificate", "OrleansSilo:TlsKey", "OrleansSilo:TlsAuthority");

    /// <summary>
    /// The files named by the three settings, or null when none is set. Some but not all set is an
    /// <see cref="ArgumentException"/> naming the missing ones.
    /// </summary>
    public static ClusterTlsFiles? FromSettings(string? certificate, string? key, string? authority)
    {
        var given = new[] { certificate, key, authority };
        if (given.All(string.IsNullOrEmpty))
        {
            return null;
        }

        var names = new[] { SettingNames.Certificate, SettingNames.Key, SettingNames.Authority };
        var missing = names.Where((_, i) => string.IsNullOrEmpty(given[i])).ToArray();
        if (missing.Length > 0)
        {
            throw new ArgumentException($"TLS needs all of {string.Join(", ", names)}; {string.Join(" and ", missing)} {(missing.Length == 1 ? "is" : "are")} not set");
        }

        return new ClusterTlsFiles(certificate!, key!, authority!);
    }

    /// <summary>
    /// Reads the member certificate with its key and the authority. A file that is missing, unreadable or not the PEM it
    /// should be, a key that does not match the certificate, or a certificate the authority did not issue (or that is
    /// not valid now) is an <see cref="ArgumentException"/> naming the setting and the file.
    /// </summary>
    public (X509Certificate2 Member, X509Certificate2 Authority) Load()
    {
        var certificateText = Read(Certificate, SettingNames.Certificate);
        var keyText = Read(Key, SettingNames.Key);
        var authorityText = Read(Authority, SettingNames.Authority);
        X509Certificate2 authority;
        try
        {
            authority = X509Certificate2.CreateFromPem(authorityText);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"{SettingNames.Authority}: {Authority} holds no PEM certificate ({e.Message})", e);
        }

        X509Certificate2 member;
        try
        {
            using var pem = X509Certificate2.CreateFromPem(certificateText, keyText);
            // The PKCS#12 round trip gives a certificate whose key SslStream can use on Linux.
            member = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"{SettingNames.Certificate} and {SettingNames.Key}: {Certificate} and {Key} are not a PEM certificate and its private key ({e.Message})", e);
        }

        if (!ClusterCertificates.IsIssuedBy(member, authority))
        {
            var now = DateTime.Now;
            var why = now < member.NotBefore || now > member.NotAfter
                ? $"it is valid from {member.NotBefore:u} to {member.NotAfter:u}, not now"
                : $"it was not issued by {authority.Subject}";
            throw new ArgumentException($"{SettingNames.Certificate}: {Certificate} ({member.Subject}) cannot join: {why} ({SettingNames.Authority}: {Authority})");
        }

        return (member, authority);
    }

    /// <summary>Writes a new authority (ECDSA P-256, valid for <paramref name="validFor"/>) as <c>ca.pem</c> and <c>ca.key</c> in <paramref name="folder"/>.</summary>
    public static X509Certificate2 WriteAuthority(string folder, string clusterId, TimeSpan validFor)
    {
        Directory.CreateDirectory(folder);
        var now = DateTimeOffset.UtcNow;
        var authority = ClusterCertificates.CreateAuthority($"orrery {clusterId} authority", now.AddMinutes(-5), now + validFor);
        File.WriteAllText(Path.Combine(folder, "ca.pem"), authority.ExportCertificatePem());
        WritePrivate(Path.Combine(folder, "ca.key"), authority.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return authority;
    }

    /// <summary>Reads the authority <see cref="WriteAuthority"/> wrote (certificate and key) from <paramref name="folder"/>.</summary>
    public static X509Certificate2 ReadAuthority(string folder) =>
        X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(folder, "ca.pem")), File.ReadAllText(Path.Combine(folder, "ca.key")));

    /// <summary>
    /// Issues a member certificate named <paramref name="name"/> and writes it as <c>NAME.pem</c> and <c>NAME.key</c> in
    /// <paramref name="folder"/>; the files a silo or client names in its three TLS settings are those two and <c>ca.pem</c>.
    /// </summary>
    public static ClusterTlsFiles WriteMember(string folder, X509Certificate2 authority, string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        ArgumentNullException.ThrowIfNull(authority);
        if (name.Length == 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"member name '{name}' is not usable as a file name");
        }

        Directory.CreateDirectory(folder);
        using var member = ClusterCertificates.IssueMember(authority, name, notBefore, notAfter);
        var files = new ClusterTlsFiles(Path.Combine(folder, name + ".pem"), Path.Combine(folder, name + ".key"), Path.Combine(folder, "ca.pem"));
        File.WriteAllText(files.Certificate, member.ExportCertificatePem());
        WritePrivate(files.Key, member.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        if (!File.Exists(files.Authority))
        {
            File.WriteAllText(files.Authority, authority.ExportCertificatePem());
        }

        return files;
    }

    private static void WritePrivate(string path, string text)
    {
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static string Read(string path, string setting)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{setting}: cannot read {path} ({e.Message})", e);
        }
    }
}
