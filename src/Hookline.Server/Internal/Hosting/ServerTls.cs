using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hookline.Server.Internal.Hosting;

/// <summary>
/// The server's certificate (PEM), and for mutual TLS the CA that client certificates must chain to. HTTP/2 over TLS
/// is negotiated with ALPN by Kestrel.
/// </summary>
internal sealed class ServerTls
{
    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2? _clientCa;
    private readonly TimeProvider _time;

    private ServerTls(X509Certificate2 certificate, X509Certificate2? clientCa, TimeProvider time)
    {
        _certificate = certificate;
        _clientCa = clientCa;
        _time = time;
    }

    public bool Mutual => _clientCa is not null;

    /// <summary>Where refused client certificates are logged; set once the host is built (handshakes come later).</summary>
    public ILogger Logger { get; set; } = NullLogger.Instance;

    /// <summary>Null when no certificate is configured. Throws <see cref="ArgumentException"/> for a bad combination or file.</summary>
    public static ServerTls? Load(HooklineServerOptions options)
    {
        if (options.TlsCertificateFile is null && options.TlsKeyFile is null)
        {
            if (options.ClientCaFile is not null)
            {
                throw new ArgumentException("--client-ca needs --tls-cert and --tls-key: mutual TLS is TLS first");
            }
            return null;
        }
        if (options.TlsCertificateFile is null || options.TlsKeyFile is null)
        {
            throw new ArgumentException("--tls-cert and --tls-key go together");
        }
        try
        {
            var certificate = X509Certificate2.CreateFromPemFile(options.TlsCertificateFile, options.TlsKeyFile);
            var clientCa = options.ClientCaFile is null ? null : X509CertificateLoader.LoadCertificateFromFile(options.ClientCaFile);
            return new ServerTls(certificate, clientCa, options.TimeProvider);
        }
        catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or IOException)
        {
            throw new ArgumentException($"cannot load the TLS certificate or key: {ex.Message}", ex);
        }
    }

    /// <param name="requireClientCertificate">Mutual TLS on this endpoint (the gRPC one); the HTTP endpoint serves browsers too.</param>
    public void Apply(ListenOptions listen, bool requireClientCertificate)
    {
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = _certificate,
            SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        };
        if (_clientCa is not null && requireClientCertificate)
        {
            // Asked for, and required below: Kestrel's own RequireCertificate refuses a missing one without a word.
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.ClientCertificateValidation = (certificate, _, _) =>
            {
                if (Refusal(certificate, _clientCa, _time.GetUtcNow()) is not { } reason)
                {
                    return true;
                }
                Log.ClientCertificateRefused(Logger, certificate.Subject, reason);
                return false;
            };
        }
        listen.UseHttps(https);
        if (_clientCa is not null && requireClientCertificate)
        {
            // After the handshake: a connection that presented no certificate is logged and closed before any request.
            listen.Use(next => connection =>
            {
                if (connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate is null)
                {
                    Log.ClientCertificateMissing(Logger, connection.RemoteEndPoint?.ToString() ?? "?");
                    connection.Abort(new Microsoft.AspNetCore.Connections.ConnectionAbortedException("no client certificate"));
                    return Task.CompletedTask;
                }
                return next(connection);
            });
        }
    }

    /// <summary>
    /// Null when <paramref name="certificate"/> chains to <paramref name="root"/>, and only to it (not the system
    /// store); else why not, in words.
    /// </summary>
    public static string? Refusal(X509Certificate2 certificate, X509Certificate2 root, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        // A private CA publishes no revocation lists; revoke access with tokens instead.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        if (chain.Build(certificate))
        {
            return null;
        }
        var reasons = new List<string>();
        if (certificate.NotAfter.ToUniversalTime() < now.UtcDateTime)
        {
            reasons.Add($"expired on {certificate.NotAfter.ToUniversalTime():u}");
        }
        else if (certificate.NotBefore.ToUniversalTime() > now.UtcDateTime)
        {
            reasons.Add($"not valid until {certificate.NotBefore.ToUniversalTime():u}");
        }
        var status = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if ((status & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
        {
            reasons.Add($"issued by '{certificate.Issuer}', not by the --client-ca '{root.Subject}'");
        }
        var other = status & ~(X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain);
        if (other != X509ChainStatusFlags.NoError || reasons.Count == 0)
        {
            reasons.Add($"chain status {status}");
        }
        return string.Join("; ", reasons);
    }
}
