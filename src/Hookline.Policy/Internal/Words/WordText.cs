using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Words;

/// <summary>
/// The word form of a command: its words after quote removal, joined by <see cref="Separator"/> instead of a space.
/// A space inside one argument (<c>git commit -m "load .env in dev"</c>) stays a space, so a pattern's word gaps line
/// up only with real argument boundaries. Patterns get the same form: unquoted whitespace becomes the separator.
/// </summary>
internal static class WordText
{
    /// <summary>Between two words (ASCII unit separator).</summary>
    public const char Separator = '\u001F';

    /// <summary>Stands for a character of a command that would otherwise read as a separator or a template token.</summary>
    public const char Replacement = '\uFFFD';

    /// <summary>A Bash pattern specifier in word form: quotes removed, unquoted whitespace runs become one separator.</summary>
    public static string FromPattern(string specifier)
    {
        var sb = new System.Text.StringBuilder(specifier.Length);
        var quote = '\0';
        var pendingGap = false;
        for (var i = 0; i < specifier.Length; i++)
        {
            var c = specifier[i];
            if (quote == '\0' && char.IsWhiteSpace(c))
            {
                pendingGap = sb.Length > 0;
                continue;
            }

            if (pendingGap)
            {
                sb.Append(Separator);
                pendingGap = false;
            }

            if (quote == '\0' && c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == quote)
            {
                quote = '\0';
            }
            else if (c == '\\' && quote != '\'' && i + 1 < specifier.Length)
            {
                sb.Append(Sanitize(specifier[++i]));
            }
            else
            {
                sb.Append(Sanitize(c));
            }
        }

        return sb.ToString();
    }

    /// <summary>Space-joined text (words without spaces inside) in word form, written to <paramref name="into"/>.</summary>
    public static void FromPlain(ReadOnlySpan<char> text, Span<char> into)
    {
        for (var i = 0; i < text.Length; i++)
        {
            into[i] = text[i] == ' ' ? Separator : Sanitize(text[i]);
        }
    }

    /// <summary>Appends one word's text, so that nothing in it reads as a separator or a template token.</summary>
    public static void AppendWord(TextArena text, ReadOnlySpan<char> word)
    {
        var at = text.Length;
        text.Append(word);
        var written = text.Chars.AsSpan(at, word.Length);
        for (var i = 0; i < written.Length; i++)
        {
            written[i] = Sanitize(written[i]);
        }
    }

    public static char Sanitize(char c) => c is Separator or (>= WordTemplate.Any and <= WordTemplate.Last) ? Replacement : c;
}
