using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Hookline.Server.Internal.Auth;

/// <summary>
/// Validates JWT bearer tokens of an OpenID Connect provider with Microsoft.IdentityModel: signature (a key of the
/// JWKS, asymmetric algorithms only), issuer, audience and lifetime. The claims become the caller's user, org, scopes and groups.
/// </summary>
internal sealed class JwtValidator : IDisposable
{
    private const int MaxJwksBytes = 1024 * 1024;
    private const int MaxIdentityLength = 256;
    private const int MaxGroups = 256;

    // Asymmetric only: a JWT signed with HMAC under a public key's bytes ("alg confusion") never validates.
    private static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private readonly OidcOptions _options;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly Uri? _jwksUrl;
    private readonly HttpClient? _http;
    private TokenValidationParameters _parameters;

    /// <summary>Reads the keys at once: a server with an unusable JWKS does not start.</summary>
    public JwtValidator(OidcOptions options, TimeProvider time)
    {
        if (string.IsNullOrWhiteSpace(options.Issuer) || string.IsNullOrWhiteSpace(options.Audience) || string.IsNullOrWhiteSpace(options.Jwks))
        {
            throw new ArgumentException("--oidc-issuer, --oidc-audience and --oidc-jwks go together: give all three");
        }
        _options = options;
        _time = time;
        if (Uri.TryCreate(options.Jwks, UriKind.Absolute, out var url) && url.Scheme is "http" or "https")
        {
            // Keys fetched in clear text could be swapped on the way; only this machine may serve them over http.
            if (url.Scheme == "http" && !url.IsLoopback)
            {
                throw new ArgumentException($"--oidc-jwks {options.Jwks}: a JWKS URL must be https:// (http:// only on loopback)");
            }
            _jwksUrl = url;
            _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = TimeSpan.FromSeconds(20) };
        }
        _parameters = Parameters(LoadKeys());
    }

    public int KeyCount => _parameters.IssuerSigningKeys.Count();

    /// <summary>Reads the JWKS again (the provider rotates its keys); throws, keeping the old keys, when it cannot.</summary>
    public void Refresh() => Volatile.Write(ref _parameters, Parameters(LoadKeys()));

    /// <summary>The caller a valid JWT stands for; null with the reason (for the server's log only) when it is not valid.</summary>
    public Caller? Validate(string token, out string? failure)
    {
        // With the keys in hand validation does no I/O, so this completes synchronously.
        var result = _handler.ValidateTokenAsync(token, Volatile.Read(ref _parameters)).GetAwaiter().GetResult();
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            failure = "invalid JWT: " + (result.Exception?.GetType().Name ?? "rejected");
            return null;
        }
        var user = _options.UserClaims.Select(claim => Claim(jwt, claim)).FirstOrDefault(v => v.Length > 0) ?? "";
        var org = Claim(jwt, _options.OrgClaim);
        if (user.Length > MaxIdentityLength || org.Length > MaxIdentityLength)
        {
            failure = $"JWT user or org claim longer than {MaxIdentityLength} characters";
            return null;
        }
        // A string claim is one group; an array is one claim per element.
        var groups = jwt.Claims.Where(c => c.Type == _options.GroupsClaim).Select(c => c.Value).Where(g => g.Length > 0)
            .Distinct(StringComparer.Ordinal).ToArray();
        if (groups.Length > MaxGroups || groups.Any(g => g.Length > MaxIdentityLength))
        {
            failure = $"JWT groups claim holds more than {MaxGroups} groups or one longer than {MaxIdentityLength} characters";
            return null;
        }
        var scopes = jwt.Claims.Where(c => c.Type == _options.ScopeClaim)
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Select(Scope).OfType<TokenScope>().Distinct().ToArray();
        failure = null;
        var subject = jwt.Subject is { Length: > 0 } sub ? sub : user;
        return new Caller("jwt:" + subject, "jwt " + subject, scopes.Length > 0 ? scopes.Max() : TokenScope.Sidecar, user, org)
        {
            Granted = scopes,
            Groups = groups,
            Issuer = jwt.Issuer,
            ExpiresAt = new DateTimeOffset(DateTime.SpecifyKind(jwt.ValidTo, DateTimeKind.Utc)),
        };
    }

    public void Dispose() => _http?.Dispose();

    private static string Claim(JsonWebToken jwt, string name)
        => jwt.TryGetPayloadValue<string>(name, out var value) && value is not null ? value : "";

    private static TokenScope? Scope(string value) => value switch
    {
        OidcOptions.ScopePrefix + "sidecar" => TokenScope.Sidecar,
        OidcOptions.ScopePrefix + "read" => TokenScope.Read,
        OidcOptions.ScopePrefix + "admin" => TokenScope.Admin,
        OidcOptions.ScopePrefix + "approve" => TokenScope.Approve,
        _ => null,
    };

    private TokenValidationParameters Parameters(IList<SecurityKey> keys) => new()
    {
        ValidIssuer = _options.Issuer,
        ValidAudience = _options.Audience,
        IssuerSigningKeys = keys,
        ValidateIssuer = true,
        ValidateAudience = true,
        ValidateLifetime = true,
        ValidateIssuerSigningKey = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ValidAlgorithms = Algorithms,
        ClockSkew = _options.ClockSkew,
        // On the server's clock (injected, so tests can move it); a JWT without exp is refused.
        LifetimeValidator = (notBefore, expires, _, _) => InLifetime(notBefore, expires),
    };

    private bool InLifetime(DateTime? notBefore, DateTime? expires)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        return expires is { } until && now <= until + _options.ClockSkew && (notBefore is not { } from || now >= from - _options.ClockSkew);
    }

    private IList<SecurityKey> LoadKeys()
    {
        var json = _jwksUrl is null ? ReadFile(_options.Jwks) : Fetch(_jwksUrl);
        IList<SecurityKey> keys;
        try
        {
            keys = new JsonWebKeySet(json).GetSigningKeys();
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException or FormatException)
        {
            throw new ArgumentException($"--oidc-jwks {_options.Jwks}: not a JSON Web Key Set ({ex.GetType().Name})");
        }
        if (keys.Count == 0)
        {
            throw new ArgumentException($"--oidc-jwks {_options.Jwks}: the key set holds no usable signing key");
        }
        return keys;
    }

    private static string ReadFile(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new ArgumentException($"--oidc-jwks {path}: no such file");
        }
        if (info.Length > MaxJwksBytes)
        {
            throw new ArgumentException($"--oidc-jwks {path}: larger than {MaxJwksBytes} bytes; not a key set");
        }
        return File.ReadAllText(path);
    }

    private string Fetch(Uri url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using var response = _http!.Send(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"--oidc-jwks {url}: the server answered {(int)response.StatusCode}");
        }
        using var body = response.Content.ReadAsStream();
        using var limited = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = body.Read(buffer)) > 0)
        {
            if (limited.Length + read > MaxJwksBytes)
            {
                throw new HttpRequestException($"--oidc-jwks {url}: larger than {MaxJwksBytes} bytes; not a key set");
            }
            limited.Write(buffer, 0, read);
        }
        return System.Text.Encoding.UTF8.GetString(limited.GetBuffer(), 0, (int)limited.Length);
    }
}
