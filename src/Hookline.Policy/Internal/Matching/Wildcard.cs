namespace Hookline.Policy.Internal.Matching;

/// <summary>A <c>*</c>-only wildcard (matches any run of characters, including none). Literal pieces are matched ordinally.</summary>
internal sealed class Wildcard
{
    private readonly string[] _pieces;

    public Wildcard(string pattern, bool ignoreCase = false)
    {
        Pattern = pattern;
        _pieces = pattern.Split('*');
        IgnoreCase = ignoreCase;
        MatchesEverything = pattern.Length > 0 && pattern.AsSpan().Trim('*').IsEmpty;
        LiteralPrefix = _pieces[0];
    }

    public string Pattern { get; }
    public bool IgnoreCase { get; }
    public bool MatchesEverything { get; }

    /// <summary>The text every match starts with ("" when the pattern starts with *).</summary>
    public string LiteralPrefix { get; }

    public bool IsMatch(ReadOnlySpan<char> text)
    {
        if (MatchesEverything)
        {
            return true;
        }

        var comparison = IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (_pieces.Length == 1)
        {
            return text.Equals(_pieces[0], comparison);
        }

        var first = _pieces[0];
        var last = _pieces[^1];
        if (text.Length < first.Length + last.Length || !text.StartsWith(first, comparison) || !text.EndsWith(last, comparison))
        {
            return false;
        }

        // Leftmost-first placement of the middle pieces is optimal for '*'-only patterns.
        var rest = text[first.Length..(text.Length - last.Length)];
        for (var i = 1; i < _pieces.Length - 1; i++)
        {
            var piece = _pieces[i];
            if (piece.Length == 0)
            {
                continue;
            }

            var at = rest.IndexOf(piece, comparison);
            if (at < 0)
            {
                return false;
            }

            rest = rest[(at + piece.Length)..];
        }
        return true;
    }
}
