using System.Data.Common;
using System.Security.Cryptography;

namespace Hookline.Server.Internal.Auth;

/// <summary>What every token store agrees on: names, ids, limits and the shape of a new token.</summary>
internal static class TokenRules
{
    private const int MaxNameLength = 64;
    private const int MaxIdentityLength = 128;

    /// <summary>The most groups one token names (<c>--group</c>), and the longest group name.</summary>
    public const int MaxGroups = 32;
    public const int MaxGroupLength = 64;

    public static string NewId() => "tok_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));

    public static ArgumentException NameTaken(string name)
        => new($"an active token named '{name}' exists already; revoke it first or pick another name");

    /// <summary>The new token as its creator sees it; times are kept to the millisecond, as stored.</summary>
    public static CreatedToken Created(string id, string name, TokenScope scope, string? user, string? org, DateTimeOffset now,
        string createdBy, string secret, IReadOnlyList<string> groups)
        => new(new TokenInfo(id, name, Tokens.Name(scope), user ?? "", org ?? "",
            DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()), null, createdBy, Groups: Listed(groups)), secret);

    /// <summary>
    /// The groups of a new token, checked, in order and without repeats. A name is stored in one comma-separated
    /// column and shown in a terminal, so it holds no comma and no control character, and has no blank ends.
    /// </summary>
    public static IReadOnlyList<string> ValidateGroups(IReadOnlyList<string>? groups)
    {
        if (groups is null || groups.Count == 0)
        {
            return [];
        }
        var distinct = groups.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count > MaxGroups)
        {
            throw new ArgumentException($"--group: a token names at most {MaxGroups} groups, got {distinct.Count}");
        }
        foreach (var group in distinct)
        {
            if (group is null || group.Length is 0 or > MaxGroupLength || group.Any(c => char.IsControl(c) || c == ',')
                || char.IsWhiteSpace(group[0]) || char.IsWhiteSpace(group[^1]))
            {
                throw new ArgumentException($"--group: a group name is 1 to {MaxGroupLength} characters, without commas, control " +
                    "characters or blanks at either end");
            }
        }
        return distinct;
    }

    /// <summary>The stored form of validated groups: comma-separated (names hold no comma).</summary>
    public static string JoinGroups(IReadOnlyList<string> groups) => string.Join(',', groups);

    public static IReadOnlyList<string> SplitGroups(string stored) => stored.Split(',', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>A token's groups as listed: null for none, so a token without groups lists as it did before them.</summary>
    private static IReadOnlyList<string>? Listed(IReadOnlyList<string> groups) => groups.Count == 0 ? null : groups;

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
    public const string InfoColumns = "id, name, scope, user_name, org, created_at_ms, revoked_at_ms, created_by, revoked_by, groups";

    /// <summary>A row of <see cref="InfoColumns"/>; tokens made before attribution have an empty created_by.</summary>
    public static TokenInfo ReadInfo(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
        reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
        reader.GetString(7) is { Length: > 0 } createdBy ? createdBy : null,
        reader.IsDBNull(8) ? null : reader.GetString(8),
        Listed(SplitGroups(reader.GetString(9))));

    /// <summary>
    /// The caller of the row <c>id, name, scope, user_name, org, hash, groups</c> found by <paramref name="hash"/>, if any,
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
            reader.GetString(3), reader.GetString(4)) { Groups = SplitGroups(reader.GetString(6)) };
    }
}
