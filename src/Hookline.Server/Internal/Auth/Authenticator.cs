using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Auth;

internal enum AuthOutcome
{
    Allowed,
    Unauthenticated,
    Forbidden,

    /// <summary>The token store could not be reached: the caller should retry, its token was not judged.</summary>
    Unavailable,
}

/// <summary>
/// Checks an <c>authorization: Bearer</c> header against the token store and a needed scope. One place for gRPC and
/// HTTP alike, so both answer the same way: missing, unknown and revoked tokens look identical to the caller.
/// </summary>
internal sealed class Authenticator
{
    /// <summary>What a refused caller is told: nothing about why, so probing learns nothing.</summary>
    public const string UnauthenticatedDetail = "authentication required";
    public const string ForbiddenDetail = "permission denied";
    public const string UnavailableDetail = "server unavailable, retry";

    // A Hookline token is ~46 characters and a JWT a few KiB at most; anything far longer is not worth reading.
    private const int MaxHeaderLength = 16 * 1024;

    private readonly TokenCache _tokens;
    private readonly JwtValidator? _jwt;
    private readonly ILogger _logger;

    /// <param name="jwt">With OIDC configured: validates the bearer tokens that are not Hookline's own.</param>
    /// <param name="tokens">Hookline's own tokens, checked through a short-lived cache of successful checks.</param>
    public Authenticator(TokenCache tokens, bool required, ILogger<Authenticator> logger, JwtValidator? jwt = null)
    {
        _tokens = tokens;
        Required = required;
        _logger = logger;
        _jwt = jwt;
    }

    public bool Required { get; }

    /// <summary>The outcome, and the caller when allowed (<see cref="Caller.Unauthenticated"/> otherwise).</summary>
    public ValueTask<(AuthOutcome Outcome, Caller Caller)> CheckAsync(string? authorization, TokenScope needed, string what,
        CancellationToken cancellation = default)
        => CheckAsync(authorization, needed, null, what, cancellation);

    /// <inheritdoc cref="CheckAsync(string?, TokenScope, string, CancellationToken)"/>
    /// <param name="orElse">A scope that will do instead of <paramref name="needed"/>.</param>
    public async ValueTask<(AuthOutcome Outcome, Caller Caller)> CheckAsync(string? authorization, TokenScope needed, TokenScope? orElse,
        string what, CancellationToken cancellation = default)
    {
        var refused = Caller.Unauthenticated;
        if (!Required)
        {
            return (AuthOutcome.Allowed, refused);
        }
        var token = BearerToken(authorization);
        string? failure = null;
        Caller? found;
        try
        {
            // Hookline's own tokens start with hl_; anything else is a JWT when OIDC is configured. JWTs are checked in
            // memory each time (no store to spare), so their expiry holds to the second.
            found = token is null ? null
                : _jwt is not null && !token.StartsWith(Tokens.Prefix, StringComparison.Ordinal) ? _jwt.Validate(token, out failure)
                : await _tokens.AuthenticateAsync(token, cancellation).ConfigureAwait(false);
        }
        catch (Exception ex) when (_tokens.IsTransient(ex))
        {
            // The database is away: "retry later" to the caller (nothing of why), the cause to the log.
            Log.AuthStoreUnavailable(_logger, ex, what);
            return (AuthOutcome.Unavailable, refused);
        }
        if (found is null)
        {
            Log.AuthRefused(_logger, what, token is null ? "no bearer token" : failure ?? "unknown or revoked token");
            return (AuthOutcome.Unauthenticated, refused);
        }
        if (!found.Has(needed) && !(orElse is { } other && found.Has(other)))
        {
            Log.AuthRefused(_logger, what, $"{found.TokenId} ({found.TokenName}) has scope " +
                $"{(found.Granted.Count == 0 ? "none" : string.Join(", ", found.Granted.Select(Tokens.Name)))}, needs {Tokens.Name(needed)}" +
                (orElse is { } or ? " or " + Tokens.Name(or) : ""));
            return (AuthOutcome.Forbidden, refused);
        }
        return (AuthOutcome.Allowed, found);
    }

    private static string? BearerToken(string? authorization)
    {
        if (authorization is null || authorization.Length > MaxHeaderLength
            || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        var token = authorization["Bearer ".Length..].Trim();
        return token.Length == 0 ? null : token;
    }
}
