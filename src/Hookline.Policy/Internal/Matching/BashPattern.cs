using Hookline.Policy.Internal.Words;

namespace Hookline.Policy.Internal.Matching;

/// <summary>
/// A Bash command pattern in Claude Code syntax: <c>*</c> anywhere; a trailing <c> *</c> or <c>:*</c> is a word-boundary
/// prefix (<c>ls *</c> matches <c>ls</c> and <c>ls -la</c> but not <c>lsof</c>); no wildcard means the exact command.
/// Sub-commands are matched word-aware (see <see cref="WordText"/>): a space in the pattern must fall between two
/// arguments, so text inside one quoted argument never lines up with pattern words.
/// </summary>
internal sealed class BashPattern
{
    // Most patterns have few inner " * " words; beyond this many, only "all of them match nothing" is added.
    private const int MaxZeroWordVariants = 4;

    private readonly Wildcard _prefix;
    private readonly Wildcard[] _allowForms;
    private readonly Wildcard[] _denyForms;

    private BashPattern(string core, bool wordBoundary)
    {
        // Raw text of an unparsable command has plain spaces.
        _prefix = new Wildcard(core.Replace(WordText.Separator, ' ') + "*");
        _allowForms = Forms(core, wordBoundary);
        var denyForms = new List<Wildcard>(_allowForms);
        foreach (var variant in ZeroWordVariants(core))
        {
            denyForms.AddRange(Forms(variant, wordBoundary));
        }

        _denyForms = [.. denyForms];
        var separator = core.IndexOf(WordText.Separator);
        var firstWord = separator < 0 ? core : core[..separator];
        FirstWord = firstWord.Contains('*') ? null : firstWord;
        MatchesEverything = _allowForms[0].MatchesEverything;
        HasInnerAnyWords = denyForms.Count > _allowForms.Length;
        Core = core;
        WordBoundary = wordBoundary;
        var head = 0;
        foreach (var word in core.Split(WordText.Separator))
        {
            if (word.Contains('*'))
            {
                break;
            }

            LiteralHeadWords++;
            head += (head > 0 ? 1 : 0) + word.Length;
        }

        LiteralHead = core[..head];
        IsExact = !wordBoundary && !core.Contains('*');
        HasPipe = core.Contains('|');
    }

    /// <summary>The pattern spans a pipeline (<c>curl * | sh*</c>): deny and ask rules match it against each pipeline's text.</summary>
    public bool HasPipe { get; }

    /// <summary>The words before the first one with a wildcard, in word form.</summary>
    public string LiteralHead { get; }

    public int LiteralHeadWords { get; }

    /// <summary>No wildcard at all: matches one command exactly.</summary>
    public bool IsExact { get; }

    /// <summary>The literal command name every match starts with, or null when it has a wildcard (used for indexing).</summary>
    public string? FirstWord { get; }

    public bool MatchesEverything { get; }

    /// <summary>An inner <c> * </c> word, which in deny and ask rules also matches no word at all.</summary>
    public bool HasInnerAnyWords { get; }

    /// <summary>The pattern in word form (words joined by <see cref="WordText.Separator"/>), without its trailing <c> *</c>.</summary>
    public string Core { get; }

    /// <summary>The pattern ended in <c> *</c> or <c>:*</c>: it also matches the command with more arguments.</summary>
    public bool WordBoundary { get; }

    public static BashPattern Create(string specifier)
    {
        // Commands are matched after quote removal, so patterns are too: Bash(echo "hi") matches echo "hi".
        var normalized = WordText.FromPattern(specifier);
        if (normalized.EndsWith(":*", StringComparison.Ordinal))
        {
            return new BashPattern(normalized[..^2].TrimEnd(WordText.Separator), wordBoundary: true);
        }

        if (normalized.Length > 2 && normalized[^1] == '*' && normalized[^2] == WordText.Separator)
        {
            return new BashPattern(normalized[..^2], wordBoundary: true);
        }

        return new BashPattern(normalized, wordBoundary: false);
    }

    /// <summary>
    /// Matches a sub-command in word form (<see cref="WordText"/>). In deny and ask rules (<paramref name="denyOrAsk"/>)
    /// an inner <c> * </c> word also matches no word; in allow rules it keeps Claude Code's meaning.
    /// </summary>
    public bool MatchesWords(ReadOnlySpan<char> words, bool denyOrAsk)
    {
        foreach (var form in denyOrAsk ? _denyForms : _allowForms)
        {
            if (form.IsMatch(words))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether some command the template stands for could match (see <see cref="WordTemplate"/>): the test for
    /// sub-commands holding words that are only known at run time.
    /// </summary>
    public bool CouldMatch(ReadOnlySpan<char> template, bool denyOrAsk)
    {
        foreach (var form in denyOrAsk ? _denyForms : _allowForms)
        {
            if (WildcardIntersection.Intersects(form.Pattern, template))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Joined text with plain spaces (the options matcher and tests); the same as matching the word form.</summary>
    public bool IsMatch(ReadOnlySpan<char> command)
    {
        Span<char> words = command.Length <= 256 ? stackalloc char[command.Length] : new char[command.Length];
        WordText.FromPlain(command, words);
        return MatchesWords(words, denyOrAsk: false);
    }

    /// <summary>The literal text a raw-text match starts with ("" when the pattern starts with '*').</summary>
    public string RawHead => _prefix.LiteralPrefix;

    /// <summary>For raw text of an unparsable command: the pattern may be followed by anything (deny/ask only).</summary>
    public bool IsPrefixMatch(ReadOnlySpan<char> text) => _prefix.IsMatch(text);

    private static Wildcard[] Forms(string core, bool wordBoundary) =>
        wordBoundary ? [new Wildcard(core), new Wildcard(core + WordText.Separator + "*")] : [new Wildcard(core)];

    /// <summary>The core with inner "␟*" words dropped: every subset up to a bound, else all at once.</summary>
    private static List<string> ZeroWordVariants(string core)
    {
        var inner = new List<int>();
        for (var at = core.IndexOf(WordText.Separator + "*" + WordText.Separator, StringComparison.Ordinal); at >= 0;
             at = core.IndexOf(WordText.Separator + "*" + WordText.Separator, at + 2, StringComparison.Ordinal))
        {
            inner.Add(at);
        }

        var variants = new List<string>();
        if (inner.Count == 0)
        {
            return variants;
        }

        var subsets = inner.Count <= MaxZeroWordVariants ? (1 << inner.Count) - 1 : 1;
        for (var mask = 1; mask <= subsets; mask++)
        {
            var all = inner.Count > MaxZeroWordVariants;
            var sb = new System.Text.StringBuilder(core.Length);
            var from = 0;
            for (var i = 0; i < inner.Count; i++)
            {
                if (all || (mask & (1 << i)) != 0)
                {
                    sb.Append(core, from, inner[i] - from);
                    from = inner[i] + 2; // drops "␟*", keeps the separator after it
                }
            }

            sb.Append(core, from, core.Length - from);
            variants.Add(sb.ToString());
        }

        return variants;
    }
}
