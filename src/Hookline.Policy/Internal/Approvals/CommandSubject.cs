using System.Text;
using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Approvals;

/// <summary>
/// A command line as an approval's subject: runs of blanks between words become one space and blanks at line ends go,
/// so <c>kubectl  apply</c> and <c>kubectl apply</c> are one subject. Quoted text, escapes, comments, and everything from
/// a construct whose quoting nests (<c>${...}</c>, a here-document, backquotes, <c>$(...)</c> inside double quotes) stay
/// as written. The result is kept only when the shell parser reads it as the same words; otherwise the text as written.
/// </summary>
internal static class CommandSubject
{
    public static string Normalize(string command)
    {
        var collapsed = Collapse(command);
        try
        {
            return collapsed == command || SameWords(command, collapsed) ? collapsed : command;
        }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            return command; // a parser bug keeps the text as written: a subject of its own, never a shared one
        }
    }

    private static string Collapse(string s)
    {
        var text = new StringBuilder(s.Length);
        var blank = false;
        for (var i = 0; i < s.Length;)
        {
            var c = s[i];
            if (c is ' ' or '\t')
            {
                blank = true;
                i++;
                continue;
            }

            if (c == '\n')
            {
                blank = false;
                text.Append(c);
                i++;
                continue;
            }

            var wordStart = text.Length == 0 || blank || text[^1] is '\n' or ';' or '&' or '|' or '(' or ')' or '<' or '>';
            if (blank && text.Length > 0 && text[^1] != '\n')
            {
                text.Append(' ');
            }

            blank = false;
            var next = i + 1 < s.Length ? s[i + 1] : '\0';
            int end;
            if (c == '\\')
            {
                end = Math.Min(i + 2, s.Length);
            }
            else if (c == '\'')
            {
                end = s.IndexOf('\'', i + 1) is var close and >= 0 ? close + 1 : s.Length;
            }
            else if (c == '$' && next == '\'')
            {
                end = QuotedEnd(s, i + 2, '\'', out _);
            }
            else if (c == '"')
            {
                end = QuotedEnd(s, i + 1, '"', out var nests);
                if (nests)
                {
                    return text.Append(s, i, s.Length - i).ToString();
                }
            }
            else if (c == '#' && wordStart)
            {
                end = s.IndexOf('\n', i) is var newline and >= 0 ? newline : s.Length;
            }
            else if (c == '`' || (c == '$' && next == '{') || (c == '<' && next == '<'))
            {
                return text.Append(s, i, s.Length - i).ToString();
            }
            else
            {
                end = i + 1;
            }

            text.Append(s, i, end - i);
            i = end;
        }

        return text.ToString();
    }

    /// <summary>The end (after the closing quote) of a quoted string whose backslash escapes the next character; <paramref name="nests"/> when it holds a substitution.</summary>
    private static int QuotedEnd(string s, int from, char quote, out bool nests)
    {
        nests = false;
        for (var i = from; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\\')
            {
                i++;
            }
            else if (c == quote)
            {
                return i + 1;
            }
            else if (quote == '"' && (c == '`' || (c == '$' && i + 1 < s.Length && s[i + 1] is '(' or '{')))
            {
                nests = true;
            }
        }

        return s.Length;
    }

    /// <summary>Whether the shell parser reads both texts as the same sub-commands with the same words and redirect targets.</summary>
    private static bool SameWords(string original, string collapsed)
    {
        var a = ShellParser.Parse(original);
        var b = ShellParser.Parse(collapsed);
        if (a.Error is not null || b.Error is not null || a.Commands.Count != b.Commands.Count
            || !a.WriteTargets.SequenceEqual(b.WriteTargets, StringComparer.Ordinal) || !a.ReadTargets.SequenceEqual(b.ReadTargets, StringComparer.Ordinal))
        {
            return false;
        }

        for (var i = 0; i < a.Commands.Count; i++)
        {
            if (!a.Commands[i].Words.SequenceEqual(b.Commands[i].Words, StringComparer.Ordinal) || a.Commands[i].IsDynamic != b.Commands[i].IsDynamic)
            {
                return false;
            }
        }

        return true;
    }
}
