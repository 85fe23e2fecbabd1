namespace Hookline.Policy.Internal.Options;

/// <summary>chmod modes that mean the same bits are compared as one: <c>0777</c>, <c>00777</c> and <c>a=rwx</c> are <c>777</c>.</summary>
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

            return mode[start..];
        }

        // One clause granting read, write and execute to everyone: a=rwx, ugo+rwx, a=xwr, ...
        var op = mode.IndexOfAny('=', '+');
        if (op > 0 && IsEveryone(mode[..op]) && mode.Length - op == 4 && IsEveryPermission(mode[(op + 1)..]))
        {
            return "777";
        }

        return mode;
    }

    private static bool IsEveryone(ReadOnlySpan<char> who) =>
        who is "a" || (who.Length == 3 && who.Contains('u') && who.Contains('g') && who.Contains('o'));

    private static bool IsEveryPermission(ReadOnlySpan<char> what) => what.Contains('r') && what.Contains('w') && what.Contains('x');
}
