using System.Data.Common;
using System.Security.Cryptography;

namespace Hookline.Server.Internal.Auth;

/// <summary>What every token store agrees on: names, ids, limits and the shape of a new token.</summary>
internal static class TokenRules
{
    private const int MaxNameLength = 64;
    private const int MaxIdentityLength = 128;

    public static string NewId() => "tok_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    public static ArgumentException NameTaken(string name)
        => new($"an active token named '{name}' exists already; revoke it first or pick another name");

    /// <summary>The new token as its creator sees it; times are kept to the millisecond, as stored.</summary>
    public static CreatedToken Created(string id, string name, TokenScope scope, string? user, string? org, DateTimeOffset now,
        string createdBy, string secret)
        => new(new TokenInfo(id, name, Tokens.Name(scope), user ?? "", org ?? "",
            DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()), null, createdBy), secret);

    public static void Validate(string name, string? user, string? org)
    {
        if (name.Length is 0 or > MaxNameLength || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@'))
        {
            throw new ArgumentException($"token name must be 1 to {MaxNameLength} characters of letters, digits, '-', '_', '.', '@'");
        }
        if (name.StartsWith("tok_", StringComparison.Ordinal))
        {
            throw new ArgumentException("token name must not start with 'tok_' (token ids do), so revoke by name stays unambiguous");
        }
        if ((user?.Length ?? 0) > MaxIdentityLength || (org?.Length ?? 0) > MaxIdentityLength)
        {
            throw new ArgumentException($"--user and --org hold at most {MaxIdentityLength} characters");
        }
    }

    /// <summary>The columns of <see cref="ReadInfo"/>, in its order.</summary>
    public const string InfoColumns = "id, name, scope, user_name, org, created_at_ms, revoked_at_ms, created_by, revoked_by";

    /// <summary>A row of <see cref="InfoColumns"/>; tokens made before attribution have an empty created_by.</summary>
    public static TokenInfo ReadInfo(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
        reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
        reader.GetString(7) is { Length: > 0 } createdBy ? createdBy : null,
        reader.IsDBNull(8) ? null : reader.GetString(8));

    /// <summary>
    /// The caller of the row <c>id, name, scope, user_name, org, hash</c> found by <paramref name="hash"/>, if any,
    /// without holding a thread while the row arrives (PostgreSQL).
    /// </summary>
    public static async ValueTask<Caller?> ReadCallerAsync(DbDataReader reader, byte[] hash, CancellationToken cancellation)
        => await reader.ReadAsync(cancellation).ConfigureAwait(false) ? CallerOfRow(reader, hash) : null;

    private static Caller? CallerOfRow(DbDataReader reader, byte[] hash)
    {
        // The index found the row; the final comparison does not leak through timing how much of the hash matched.
        if (!CryptographicOperations.FixedTimeEquals(reader.GetFieldValue<byte[]>(5), hash))
        {
            return null;
        }
        return new Caller(reader.GetString(0), reader.GetString(1), Tokens.ParseScope(reader.GetString(2)),
            reader.GetString(3), reader.GetString(4));
    }
}
