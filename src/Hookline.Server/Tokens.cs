using System.Security.Cryptography;
using System.Text.Json.Serialization;
using Hookline.Server.Internal.Auth;

namespace Hookline.Server;

/// <summary>
/// What a token may do. <c>admin</c> implies <c>read</c>; <c>sidecar</c> is only for the agent RPCs and the stream;
/// <c>approve</c> answers approvals (and lists them), nothing else: <c>admin</c> does not imply it, and it does not
/// read the audit trail.
/// </summary>
public enum TokenScope
{
    Sidecar,
    Read,
    Admin,
    Approve,
}

/// <summary>
/// One API token as listed: never the secret, which only its creator ever sees. <see cref="CreatedBy"/> and
/// <see cref="RevokedBy"/> name the authenticated caller who did it (see docs/security.md, "Attribution").
/// <see cref="Groups"/>: the groups its user is in (<c>--group</c>), for approvals' <c>by: [group:NAME]</c>; null for none.
/// </summary>
public sealed record TokenInfo(
    string Id, string Name, string Scope, string User, string Org, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt,
    string? CreatedBy = null, string? RevokedBy = null, IReadOnlyList<string>? Groups = null);

/// <summary>A token just created: its description and, this once, its secret.</summary>
public sealed record CreatedToken(TokenInfo Info, string Token);

/// <summary>The body of <c>POST /api/tokens</c>.</summary>
public sealed record TokenRequest(string Name, string Scope, string? User, string? Org, IReadOnlyList<string>? Groups = null);

/// <summary>JSON of the token admin endpoints, source-generated (no reflection: the CLI is Native AOT).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TokenInfo))]
[JsonSerializable(typeof(List<TokenInfo>))]
[JsonSerializable(typeof(CreatedToken))]
[JsonSerializable(typeof(TokenRequest))]
public sealed partial class TokenJsonContext : JsonSerializerContext;

/// <summary>
/// Token management where a server keeps its tokens: its data directory (the same SQLite file; safe while it runs) or
/// its PostgreSQL database (shared by every replica). Used by <c>hookline token</c> with <c>--data</c> or <c>--postgres</c>.
/// </summary>
public static class Tokens
{
    /// <summary>The token's prefix: makes a leaked token easy to spot (and to scan for).</summary>
    public const string Prefix = "hl_";

    public static TokenScope ParseScope(string scope) => scope switch
    {
        "sidecar" => TokenScope.Sidecar,
        "read" => TokenScope.Read,
        "admin" => TokenScope.Admin,
        "approve" => TokenScope.Approve,
        _ => throw new ArgumentException($"scope must be sidecar, read, admin or approve, got '{scope}'"),
    };

    public static string Name(TokenScope scope) => scope switch
    {
        TokenScope.Sidecar => "sidecar",
        TokenScope.Read => "read",
        TokenScope.Approve => "approve",
        _ => "admin",
    };

    /// <summary>A new random secret: <c>hl_</c> and 32 random bytes, base64url.</summary>
    public static string NewSecret() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>SHA-256 of the token: enough for a 256-bit random secret, which no dictionary holds.</summary>
    public static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));

    public static CreatedToken Create(string dataDirectory, string name, TokenScope scope, string? user, string? org,
        IReadOnlyList<string>? groups = null)
        => Create(new AuditLocation(dataDirectory), name, scope, user, org, groups);

    public static IReadOnlyList<TokenInfo> List(string dataDirectory) => List(new AuditLocation(dataDirectory));

    /// <summary>Revokes the active token with this id or name. Returns it, or null when there is none.</summary>
    public static Task<TokenInfo?> RevokeAsync(string dataDirectory, string idOrName) => RevokeAsync(new AuditLocation(dataDirectory), idOrName);

    /// <summary>Creates a token where a server keeps them: its data directory, or its PostgreSQL database.</summary>
    /// <param name="groups">The groups its user is in (approvals' <c>group:NAME</c>); at most 32, each 1 to 64 characters without commas or control characters.</param>
    public static CreatedToken Create(AuditLocation location, string name, TokenScope scope, string? user, string? org,
        IReadOnlyList<string>? groups = null)
    {
        using var store = Open(location);
        return store.Create(name, scope, user, org, TimeProvider.System.GetUtcNow(), Attribution.LocalCommand(), groups);
    }

    public static IReadOnlyList<TokenInfo> List(AuditLocation location)
    {
        using var store = Open(location);
        return store.List();
    }

    /// <summary>Revokes the active token with this id or name. Returns it, or null when there is none.</summary>
    public static async Task<TokenInfo?> RevokeAsync(AuditLocation location, string idOrName)
    {
        using var store = Open(location);
        return await store.RevokeAsync(idOrName, TimeProvider.System.GetUtcNow(), Attribution.LocalCommand()).ConfigureAwait(false);
    }

    private static ITokenStore Open(AuditLocation location) => string.IsNullOrEmpty(location.Postgres)
        ? SqliteTokenStore.ForDataDirectory(location.DataDirectory)
        : PostgresTokenStore.Open(location.Postgres);

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
