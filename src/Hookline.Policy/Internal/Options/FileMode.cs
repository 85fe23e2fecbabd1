namespace Hookline.Policy.Internal.Options;

/// <summary>
/// chmod modes that mean the same bits are compared as one: <c>0777</c>, <c>00777</c>, <c>a=rwx</c>,
/// <c>u=rwx,g=rwx,o=rwx</c> and <c>1777</c> (777 plus the sticky bit) are <c>777</c>: read, write and execute for all.
/// </summary>
internal static class FileMode
{
    public static ReadOnlySpan<char> Canonical(ReadOnlySpan<char> mode)
    {
        if (mode.Length > 3 && mode.IndexOfAnyExceptInRange('0', '7') < 0)
        {
            var start = 0;
            while (mode.Length - start > 3 && mode[start] == '0')
            {
                start++;
            }

            // A special bit (setuid, setgid, sticky) on top of 777 still grants everything to everyone.
            return mode.Length - start == 4 && mode[(start + 1)..] is "777" ? "777" : mode[start..];
        }

        return mode.IndexOfAny('=', '+') > 0 && GrantsAllToAll(mode) ? "777" : mode;
    }

    /// <summary>Symbolic clauses (<c>u=rwx,g+rwx,o=rwx</c>, <c>a+rwx</c>, <c>ugo=rwx</c>) that end with rwx for owner, group and others.</summary>
    private static bool GrantsAllToAll(ReadOnlySpan<char> mode)
    {
        Span<int> bits = stackalloc int[3]; // u, g, o: r=4, w=2, x=1
        foreach (var range in mode.Split(','))
        {
            var clause = mode[range];
            var op = clause.IndexOfAny("=+-");
            if (op < 0)
            {
                return false;
            }

            var who = clause[..op];
            if (who.IndexOfAnyExcept("ugoa") >= 0)
            {
                return false;
            }

            var rest = clause[op..];
            while (rest.Length > 0)
            {
                var sign = rest[0];
                var end = rest[1..].IndexOfAny("=+-");
                var perms = end < 0 ? rest[1..] : rest[1..(end + 1)];
                rest = end < 0 ? [] : rest[(end + 1)..];
                var value = (perms.Contains('r') ? 4 : 0) | (perms.Contains('w') ? 2 : 0) | (perms.Contains('x') || perms.Contains('X') ? 1 : 0);
                for (var c = 0; c < 3; c++)
                {
                    // No "who" is "a" filtered by the umask; counted as all, the pessimistic reading.
                    if (who.Length == 0 || who.Contains('a') || who.Contains("ugo"[c]))
                    {
                        bits[c] = sign switch { '=' => value, '+' => bits[c] | value, _ => bits[c] & ~value };
                    }
                }
            }
        }

        return bits[0] == 7 && bits[1] == 7 && bits[2] == 7;
    }
}
