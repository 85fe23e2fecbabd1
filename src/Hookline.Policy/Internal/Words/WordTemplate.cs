using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Words;

/// <summary>
/// A sub-command whose words are not all known before run time, written as a template: literal text, plus tokens
/// for what an unresolved piece could become. <see cref="BashPattern.CouldMatch"/> then asks whether some command the
/// template stands for matches a pattern. An unquoted expansion may split into several words or vanish; a quoted
/// one stays inside its word; a glob stays inside its word but may become several words.
/// </summary>
internal static class WordTemplate
{
    /// <summary>Any text, word gaps included.</summary>
    public const char Any = '\uE000';

    /// <summary>Any text inside one word.</summary>
    public const char InWord = '\uE001';

    /// <summary>Nothing, or a word gap followed by anything: always followed by <see cref="Any"/>.</summary>
    public const char OptionalWords = '\uE002';

    /// <summary>
    /// What a glob's <c>*</c>, <c>?</c> or <c>[...]</c> stands for: text inside one path segment, taken to hold no
    /// '.' (a glob never crosses '/', and never starts a name with '.'). Dots in the middle of a name are possible
    /// (<c>*.json</c> matches <c>a.env.json</c>) but are left to file rules, so a pattern like <c>*.env*</c> does not
    /// make every glob ask; the literal part of a glob (<c>.en?</c>) still counts.
    /// </summary>
    public const char GlobChars = '\uE003';

    /// <summary>The highest token character.</summary>
    public const char Last = GlobChars;

    /// <summary>Appends one word's template; <paramref name="leadingGap"/> puts a word gap before it.</summary>
    public static void Append(TextArena text, ReadOnlySpan<char> raw, bool leadingGap)
    {
        var mark = text.Length;
        if (leadingGap)
        {
            text.Append(WordText.Separator);
        }

        bool present = false, glob = false, leadingGlob = false;
        var lexer = new WordLexer(raw);
        while (lexer.Next(out var segment))
        {
            switch (segment.Kind)
            {
                case SegmentKind.Literal:
                    text.Append(WordText.Sanitize(segment.Char));
                    present = true;
                    break;
                case SegmentKind.Glob:
                    leadingGlob |= !present;
                    Token(text, GlobChars);
                    present = glob = true;
                    break;
                case SegmentKind.Unsupported:
                    text.Truncate(mark);
                    Vanishing(text, leadingGap);
                    return;
                default:
                    var oneWord = segment.Quoted && !segment.ManyWords;
                    Token(text, oneWord ? InWord : Any);
                    present |= segment.Quoted;
                    break;
            }
        }

        if (!present || (!glob && raw.Contains('{')))
        {
            // Only unquoted expansions, or a brace left unexpanded (too many words): the word may become any words,
            // or vanish with its gap.
            text.Truncate(mark);
            Vanishing(text, leadingGap);
        }
        else if (leadingGlob)
        {
            // "*" may expand to several names, one of them "-rf".
            text.Append(OptionalWords);
            text.Append(Any);
        }
    }

    private static void Vanishing(TextArena text, bool leadingGap)
    {
        if (leadingGap)
        {
            text.Append(OptionalWords);
        }

        text.Append(Any);
    }

    private static void Token(TextArena text, char token)
    {
        if (text.Length > 0 && (text.Chars[text.Length - 1] is Any || (token is InWord or GlobChars && text.Chars[text.Length - 1] == token)))
        {
            return; // Any already covers what follows; two InWords are one
        }

        text.Append(token);
    }
}
