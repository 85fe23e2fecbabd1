namespace Hookline.Policy.Internal;

/// <summary>
/// A Bash command pattern in Claude Code syntax: <c>*</c> anywhere; a trailing <c> *</c> or <c>:*</c> is a word-boundary
/// prefix (<c>ls *</c> matches <c>ls</c> and <c>ls -la</c> but not <c>lsof</c>); no wildcard means the exact command.
/// </summary>
internal sealed class BashPattern
{
    private readonly Wildcard _exact;
    private readonly Wildcard? _withArguments;
    private readonly Wildcard _prefix;

    private BashPattern(string core, bool wordBoundary)
    {
        _exact = new Wildcard(core);
        _withArguments = wordBoundary ? new Wildcard(core + " *") : null;
        _prefix = new Wildcard(core + "*");
        var space = core.IndexOf(' ');
        var firstWord = space < 0 ? core : core[..space];
        FirstWord = firstWord.Contains('*') ? null : firstWord;
        MatchesEverything = _exact.MatchesEverything;
        HasPipe = core.Contains('|');
    }

    /// <summary>The pattern spans a pipeline (<c>curl * | sh*</c>): deny and ask rules match it against each pipeline's text.</summary>
    public bool HasPipe { get; }

    /// <summary>The literal command name every match starts with, or null when it has a wildcard (used for indexing).</summary>
    public string? FirstWord { get; }

    public bool MatchesEverything { get; }

    public static BashPattern Create(string specifier)
    {
        // Commands are matched after quote removal, so patterns are too: Bash(echo "hi") matches echo "hi".
        var normalized = CollapseWhitespace(RemoveQuotes(specifier));
        if (normalized.EndsWith(":*", StringComparison.Ordinal))
        {
            return new BashPattern(normalized[..^2].TrimEnd(), wordBoundary: true);
        }

        if (normalized.Length > 2 && normalized.EndsWith(" *", StringComparison.Ordinal))
        {
            return new BashPattern(normalized[..^2], wordBoundary: true);
        }

        return new BashPattern(normalized, wordBoundary: false);
    }

    public bool IsMatch(ReadOnlySpan<char> command) =>
        _exact.IsMatch(command) || (_withArguments is not null && _withArguments.IsMatch(command));

    /// <summary>The literal text a raw-text match starts with ("" when the pattern starts with '*').</summary>
    public string RawHead => _prefix.LiteralPrefix;

    /// <summary>For raw text of an unparsable command: the pattern may be followed by anything (deny/ask only).</summary>
    public bool IsPrefixMatch(ReadOnlySpan<char> text) => _prefix.IsMatch(text);

    private static string RemoveQuotes(string text)
    {
        if (text.IndexOfAny(['\'', '"', '\\']) < 0)
        {
            return text;
        }

        var sb = new System.Text.StringBuilder(text.Length);
        char quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote == '\0' && c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == quote)
            {
                quote = '\0';
            }
            else if (c == '\\' && quote != '\'' && i + 1 < text.Length)
            {
                sb.Append(text[++i]);
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    internal static string CollapseWhitespace(string text)
    {
        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', parts);
    }
}
