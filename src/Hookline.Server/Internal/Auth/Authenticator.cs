using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Auth;

internal enum AuthOutcome
{
    Allowed,
    Unauthenticated,
    Forbidden,
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

    // A bearer token is ~46 characters; anything far longer is not one, and is not worth hashing.
    private const int MaxHeaderLength = 1024;

    private readonly ITokenStore _tokens;
    private readonly ILogger _logger;

    public Authenticator(ITokenStore tokens, bool required, ILogger<Authenticator> logger)
    {
        _tokens = tokens;
        Required = required;
        _logger = logger;
    }

    public bool Required { get; }

    public AuthOutcome Check(string? authorization, TokenScope needed, string what, out Caller caller)
    {
        caller = Caller.Unauthenticated;
        if (!Required)
        {
            return AuthOutcome.Allowed;
        }
        var token = BearerToken(authorization);
        var found = token is null ? null : _tokens.Authenticate(token);
        if (found is null)
        {
            Log.AuthRefused(_logger, what, token is null ? "no bearer token" : "unknown or revoked token");
            return AuthOutcome.Unauthenticated;
        }
        if (!found.Has(needed))
        {
            Log.AuthRefused(_logger, what, $"token {found.TokenId} ({found.TokenName}) has scope {Tokens.Name(found.Scope)}, needs {Tokens.Name(needed)}");
            return AuthOutcome.Forbidden;
        }
        caller = found;
        return AuthOutcome.Allowed;
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
