using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Hookline.Testing;

/// <summary>
/// A private CA, a server certificate for 127.0.0.1 and localhost, and a client certificate, made at run time and
/// written as PEM files; plus a second CA that signed nothing the server holds.
/// </summary>
public sealed class TestCertificates
{
    private TestCertificates(string directory) => Directory = directory;

    public string Directory { get; }
    public string CaFile => Path.Combine(Directory, "ca.pem");
    public string OtherCaFile => Path.Combine(Directory, "other-ca.pem");
    public string ServerCertFile => Path.Combine(Directory, "server.pem");
    public string ServerKeyFile => Path.Combine(Directory, "server-key.pem");
    public string ClientCertFile => Path.Combine(Directory, "client.pem");
    public string ClientKeyFile => Path.Combine(Directory, "client-key.pem");
    public string StrangerCertFile => Path.Combine(Directory, "stranger.pem");
    public string StrangerKeyFile => Path.Combine(Directory, "stranger-key.pem");

    public X509Certificate2 Ca { get; private set; } = null!;
    public X509Certificate2 OtherCa { get; private set; } = null!;

    public static TestCertificates Create(string directory)
    {
        var certs = new TestCertificates(directory);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        certs.Ca = SelfSignedCa("Hookline Test CA", caKey);
        certs.OtherCa = SelfSignedCa("Someone Else's CA", otherKey);
        File.WriteAllText(certs.CaFile, certs.Ca.ExportCertificatePem());
        File.WriteAllText(certs.OtherCaFile, certs.OtherCa.ExportCertificatePem());
        Issue(certs.Ca, "hookline-server", server: true, certs.ServerCertFile, certs.ServerKeyFile);
        Issue(certs.Ca, "sidecar-alice", server: false, certs.ClientCertFile, certs.ClientKeyFile);
        Issue(certs.OtherCa, "stranger", server: false, certs.StrangerCertFile, certs.StrangerKeyFile);
        return certs;
    }

    private static X509Certificate2 SelfSignedCa(string name, ECDsa key)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>
    /// A server certificate signed by this CA with exactly these names, valid from <paramref name="notBefore"/> to
    /// <paramref name="notAfter"/>, written as <c>NAME.pem</c> and <c>NAME-key.pem</c>; returns the two paths.
    /// </summary>
    public (string CertFile, string KeyFile) IssueServer(string name, string[] dnsNames, IPAddress[] addresses,
        DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        var (certFile, keyFile) = (Path.Combine(Directory, name + ".pem"), Path.Combine(Directory, name + "-key.pem"));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (var dns in dnsNames)
        {
            names.AddDnsName(dns);
        }
        foreach (var address in addresses)
        {
            names.AddIpAddress(address);
        }
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(Ca, notBefore, notAfter, serial);
        File.WriteAllText(certFile, issued.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile);
    }

    private static void Issue(X509Certificate2 ca, string name, bool server, string certFile, string keyFile)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), serial);
        File.WriteAllText(certFile, issued.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }
}
