namespace Hookline.Policy.Internal.FileArguments;

/// <summary>
/// git's pathspec magic (gitglossary "pathspec"): <c>:(literal,top)PATH</c>, <c>:/PATH</c>, <c>:!PATH</c>. Without
/// <c>literal</c> a pathspec is a glob even when the shell quoted it (<c>git log -- '.e*'</c> names <c>.env</c>).
/// </summary>
internal static class GitPathspec
{
    /// <summary>How many leading characters are magic, whether the rest is literal, and whether it excludes.</summary>
    public static (int Skip, bool Literal, bool Excluded) Read(ReadOnlySpan<char> spec)
    {
        if (spec.Length < 2 || spec[0] != ':')
        {
            return (0, spec.IndexOfAny("*?[") < 0, false);
        }

        if (spec[1] == '(')
        {
            var close = spec.IndexOf(')');
            if (close < 0)
            {
                return (0, true, false); // not magic git accepts
            }

            var magic = spec[2..close];
            var literal = magic.Contains("literal", StringComparison.Ordinal) || spec[(close + 1)..].IndexOfAny("*?[") < 0;
            var excluded = magic.Contains("exclude", StringComparison.Ordinal);
            return (close + 1, literal, excluded);
        }

        // Short magic: any of '/', '!', '^' after the colon, ended by an optional second colon.
        var i = 1;
        var exclude = false;
        while (i < spec.Length && spec[i] is '/' or '!' or '^')
        {
            exclude |= spec[i] is '!' or '^';
            i++;
        }

        if (i == 1)
        {
            return (0, true, false); // ":path" with no magic: rev:path forms are read as they are
        }

        if (i < spec.Length && spec[i] == ':')
        {
            i++;
        }

        return (i, spec[i..].IndexOfAny("*?[") < 0, exclude);
    }
}
