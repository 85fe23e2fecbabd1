using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Hookline.Core;

/// <summary>
/// The TLS side of every client of a Hookline server (the CLI's HTTP commands and the sidecar's gRPC channel): a
/// private CA trusted <em>instead of</em> the system store (<c>--ca</c>), a client certificate for mutual TLS
/// (<c>--client-cert</c>, <c>--client-key</c>), and a plain-words cause for a failed handshake (name mismatch with the
/// names the certificate carries, unknown CA, expired or not yet valid, missing or refused client certificate) in
/// place of .NET's "The SSL connection could not be established, see inner exception".
/// One instance per server address: it remembers what went wrong in the last handshake.
/// </summary>
public sealed class ClientTls
{
    private readonly X509Certificate2? _ca;
    private readonly X509Certificate2? _clientCertificate;
    private readonly TimeProvider _time;
    private volatile string? _serverCertificateProblem;
    private volatile bool _serverCertificateAccepted;
    private volatile bool _clientCertificateRequested;

    private ClientTls(X509Certificate2? ca, X509Certificate2? clientCertificate, TimeProvider time)
    {
        _ca = ca;
        _clientCertificate = clientCertificate;
        _time = time;
    }

    /// <summary>Loads the files (each may be null: the system store, no client certificate).</summary>
    /// <exception cref="ArgumentException">A file is unreadable or not PEM, or only one of certificate and key is given.</exception>
    public static ClientTls Load(string? caFile, string? clientCertificateFile, string? clientKeyFile, TimeProvider? time = null)
    {
        if ((clientCertificateFile is null) != (clientKeyFile is null))
        {
            throw new ArgumentException("--client-cert and --client-key go together");
        }
        foreach (var file in new[] { caFile, clientCertificateFile, clientKeyFile })
        {
            if (file is not null && !File.Exists(file))
            {
                throw new ArgumentException($"{file}: no such file");
            }
        }
        X509Certificate2? ca = null;
        X509Certificate2? client = null;
        try
        {
            if (caFile is not null)
            {
                ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
            }
            if (clientCertificateFile is not null)
            {
                client = X509Certificate2.CreateFromPemFile(clientCertificateFile, clientKeyFile);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"cannot load a TLS certificate or key ({caFile ?? clientCertificateFile}): {ex.Message}", ex);
        }
        return new ClientTls(ca, client, time ?? TimeProvider.System);
    }

    /// <summary>The system store, no client certificate: still explains a failed handshake.</summary>
    public static ClientTls SystemDefault() => new(null, null, TimeProvider.System);

    /// <summary>Whether a CA or a client certificate was given.</summary>
    public bool IsCustomized => _ca is not null || _clientCertificate is not null;

    /// <summary>The options for <see cref="SslStream"/> (set as <see cref="SocketsHttpHandler.SslOptions"/>).</summary>
    public SslClientAuthenticationOptions Options()
    {
        var ssl = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = Validate,
            LocalCertificateSelectionCallback = SelectClientCertificate,
        };
        if (_ca is not null)
        {
            var chain = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                // A private CA publishes no revocation lists.
                RevocationMode = X509RevocationMode.NoCheck,
            };
            chain.CustomTrustStore.Add(_ca);
            ssl.CertificateChainPolicy = chain;
        }
        if (_clientCertificate is not null)
        {
            ssl.ClientCertificates = [_clientCertificate];
        }
        return ssl;
    }

    /// <summary>
    /// A handler for <see cref="HttpClient"/> with these options, whose failures say what went wrong: an
    /// <see cref="HttpRequestException"/> from it carries <see cref="Describe"/> as its message.
    /// </summary>
    public HttpMessageHandler CreateHttpHandler(TimeSpan connectTimeout) => new Explaining(this, new SocketsHttpHandler
    {
        ConnectTimeout = connectTimeout,
        SslOptions = Options(),
    });

    /// <summary>An <see cref="HttpClient"/> for a server's HTTP endpoint (<paramref name="baseUrl"/>).</summary>
    public HttpClient CreateHttpClient(Uri? baseUrl, TimeSpan timeout) =>
        new(CreateHttpHandler(TimeSpan.FromSeconds(5))) { BaseAddress = baseUrl, Timeout = timeout };

    private sealed class Explaining(ClientTls tls, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                var origin = request.RequestUri is { } uri ? uri.GetLeftPart(UriPartial.Authority) + ": " : "";
                throw new HttpRequestException(ex.HttpRequestError, origin + tls.Describe(ex), ex, ex.StatusCode);
            }
        }
    }

    /// <summary>
    /// What went wrong, in words: the TLS cause when the failure was the handshake, else the messages of the exception
    /// and its inner exceptions (never only "see inner exception").
    /// </summary>
    public string Describe(Exception exception)
    {
        if (IsTlsFailure(exception))
        {
            if (_serverCertificateProblem is { } problem)
            {
                return "TLS: " + problem;
            }
            // Under TLS 1.3 the server judges the client certificate after the client's side of the handshake is done:
            // a refusal is then a connection cut before the first response, right after a server certificate we accepted.
            if (_serverCertificateAccepted && (_clientCertificateRequested || IsCutBeforeFirstResponse(exception)))
            {
                return _clientCertificate is null
                    ? "TLS: the server asks for a client certificate and none was given: give --client-cert FILE --client-key FILE (mutual TLS)"
                    : $"TLS: the server refused the client certificate '{_clientCertificate.Subject}' (not signed by its --client-ca, or expired; its log names the reason)";
            }
        }
        return Flatten(exception);
    }

    /// <summary>The messages of an exception and its inner exceptions, joined: ".NET's see inner exception", resolved.</summary>
    public static string Flatten(Exception exception)
    {
        var parts = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var message = e.Message.Replace(", see inner exception", "", StringComparison.Ordinal).TrimEnd('.');
            if (message.Length > 0 && !parts.Contains(message))
            {
                parts.Add(message);
            }
        }
        return string.Join(": ", parts);
    }

    private static bool IsCutBeforeFirstResponse(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded })
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>A failed handshake, or a connection the server closed right after one (a refused client certificate
    /// under TLS 1.3); not a connection that never opened.</summary>
    private static bool IsTlsFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AuthenticationException:
                case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError or HttpRequestError.ResponseEnded or HttpRequestError.InvalidResponse }:
                    return true;
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }:
                    return false;
                case IOException:
                    return true;
            }
        }
        return false;
    }

    private X509Certificate2? SelectClientCertificate(object sender, string targetHost, X509CertificateCollection local,
        X509Certificate? remote, string[] acceptableIssuers)
    {
        // Called with the server's certificate in hand when the server asks for one (mutual TLS).
        if (remote is not null)
        {
            _clientCertificateRequested = true;
        }
        return _clientCertificate;
    }

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            _serverCertificateProblem = null;
            _serverCertificateAccepted = true;
            return true;
        }
        _serverCertificateAccepted = false;
        var host = (sender as SslStream)?.TargetHostName ?? "";
        _serverCertificateProblem = Explain(certificate as X509Certificate2 ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData())),
            chain, errors, host);
        return false;
    }

    private string Explain(X509Certificate2? certificate, X509Chain? chain, SslPolicyErrors errors, string host)
    {
        if (certificate is null)
        {
            return "the server sent no certificate";
        }
        var causes = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            causes.Add($"the server's certificate is not valid for '{host}': it names {string.Join(", ", NamesOf(certificate))}; " +
                "connect by one of those names, or make a certificate with this name in its subjectAltName");
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var now = _time.GetUtcNow().UtcDateTime;
            var status = chain?.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status) ?? X509ChainStatusFlags.NoError;
            if (certificate.NotAfter.ToUniversalTime() < now)
            {
                causes.Add($"the server's certificate '{certificate.Subject}' expired on {certificate.NotAfter.ToUniversalTime():u}");
            }
            else if (certificate.NotBefore.ToUniversalTime() > now)
            {
                causes.Add($"the server's certificate '{certificate.Subject}' is not valid until {certificate.NotBefore.ToUniversalTime():u}");
            }
            else if ((status & X509ChainStatusFlags.NotTimeValid) != 0)
            {
                causes.Add($"a certificate in the server's chain (issuer '{certificate.Issuer}') has expired or is not yet valid");
            }
            if ((status & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain)) != 0)
            {
                causes.Add($"the server's certificate '{certificate.Subject}' is signed by '{certificate.Issuer}', a CA this client does not trust: " +
                    (_ca is null ? "give --ca FILE with that CA's certificate" : $"--ca holds '{_ca.Subject}', not that CA"));
            }
            var other = status & ~(X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain);
            if (other != X509ChainStatusFlags.NoError)
            {
                causes.Add($"the server's certificate chain does not validate ({other})");
            }
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            causes.Add("the server sent no certificate");
        }
        return causes.Count > 0 ? string.Join("; ", causes) : $"the server's certificate was rejected ({errors})";
    }

    /// <summary>The DNS and IP names in a certificate's subjectAltName, else its subject.</summary>
    public static IReadOnlyList<string> NamesOf(X509Certificate2 certificate)
    {
        var names = new List<string>();
        foreach (var extension in certificate.Extensions)
        {
            var san = extension as X509SubjectAlternativeNameExtension
                ?? (extension.Oid?.Value == "2.5.29.17" ? new X509SubjectAlternativeNameExtension(extension.RawData, extension.Critical) : null);
            if (san is not null)
            {
                names.AddRange(san.EnumerateDnsNames().Select(n => "DNS:" + n));
                names.AddRange(san.EnumerateIPAddresses().Select(a => "IP:" + a));
            }
        }
        if (names.Count == 0)
        {
            names.Add($"no subjectAltName (subject '{certificate.Subject}')");
        }
        return names;
    }
}
