using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Words;

/// <summary>
/// Bash brace expansion, which needs nothing from run time: <c>-{r,f}</c> is <c>-r -f</c>, <c>.e{n,}v</c> is
/// <c>.env .ev</c>, <c>{1..3}</c> is <c>1 2 3</c>. Bounded: beyond <see cref="MaxWords"/> results the word is left
/// as it is (and stays unresolved).
/// </summary>
internal static class BraceExpansion
{
    public const int MaxWords = 64;

    /// <summary>Appends the raw texts the word expands to; false (nothing added) when it has no brace to expand or too many.</summary>
    public static bool TryExpand(TextArena text, TextRange raw, List<TextRange> output)
    {
        var start = output.Count;
        output.Add(raw);
        var changed = false;
        for (var i = start; i < output.Count;)
        {
            if (!TryExpandFirst(text, output[i], output, i, ref changed))
            {
                i++;
                continue;
            }

            if (output.Count - start > MaxWords)
            {
                output.RemoveRange(start, output.Count - start);
                return false;
            }
        }

        if (!changed)
        {
            output.RemoveRange(start, output.Count - start);
        }

        return changed;
    }

    /// <summary>Replaces output[at] by the variants of its first expandable brace.</summary>
    private static bool TryExpandFirst(TextArena text, TextRange word, List<TextRange> output, int at, ref bool changed)
    {
        var s = text[word];
        if (!FindBrace(s, out var open, out var close, out var commas))
        {
            return false;
        }

        var variants = new List<TextRange>();
        var body = new TextRange(word.Start + open + 1, close - open - 1);
        if (commas.Count > 0)
        {
            var from = 0;
            commas.Add(close - open - 1);
            foreach (var comma in commas)
            {
                variants.Add(Join(text, word, open, close, new TextRange(body.Start + from, comma - from)));
                from = comma + 1;
            }
        }
        else if (!TrySequence(text, word, open, close, body, variants))
        {
            return false;
        }

        if (variants.Count > MaxWords)
        {
            return false;
        }

        output.RemoveAt(at);
        output.InsertRange(at, variants);
        changed = true;
        return true;
    }

    private static TextRange Join(TextArena text, TextRange word, int open, int close, TextRange middle)
    {
        var start = text.Length;
        text.Append(text[word][..open]);
        text.Append(text[middle]);
        text.Append(text[word][(close + 1)..]);
        return text.From(start);
    }

    /// <summary>{a..e} and {1..10} (optionally ..step).</summary>
    private static bool TrySequence(TextArena text, TextRange word, int open, int close, TextRange body, List<TextRange> variants)
    {
        var b = text[body].ToString();
        var parts = b.Split("..");
        if (parts.Length is < 2 or > 3)
        {
            return false;
        }

        var step = 1;
        if (parts.Length == 3 && (!int.TryParse(parts[2], out step) || step == 0))
        {
            return false;
        }

        step = Math.Abs(step);
        if (int.TryParse(parts[0], out var from) && int.TryParse(parts[1], out var to))
        {
            if (Math.Abs((long)to - from) / step >= MaxWords)
            {
                return false;
            }

            for (var v = from; from <= to ? v <= to : v >= to; v += from <= to ? step : -step)
            {
                variants.Add(Join(text, word, open, close, text.Append(v.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            }

            return true;
        }

        if (parts[0].Length == 1 && parts[1].Length == 1 && char.IsAsciiLetter(parts[0][0]) && char.IsAsciiLetter(parts[1][0]))
        {
            int f = parts[0][0], t = parts[1][0];
            for (var v = f; f <= t ? v <= t : v >= t; v += f <= t ? step : -step)
            {
                variants.Add(Join(text, word, open, close, text.Append([(char)v])));
            }

            return true;
        }

        return false;
    }

    /// <summary>The first unquoted {…} holding a top-level comma or "..", skipping quotes and ${…}/$(…).</summary>
    private static bool FindBrace(ReadOnlySpan<char> s, out int open, out int close, out List<int> commas)
    {
        commas = [];
        open = close = -1;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\\')
            {
                i++;
                continue;
            }

            if (c is '\'' or '"')
            {
                var end = s[(i + 1)..].IndexOf(c);
                if (end < 0)
                {
                    return false;
                }

                i += end + 1;
                continue;
            }

            if (c == '$' && i + 1 < s.Length && s[i + 1] is '{' or '(')
            {
                var end = Matching(s, i + 1);
                if (end < 0)
                {
                    return false;
                }

                i = end;
                continue;
            }

            if (c != '{')
            {
                continue;
            }

            var candidateClose = Matching(s, i);
            if (candidateClose < 0)
            {
                return false;
            }

            var list = TopLevelCommas(s, i, candidateClose);
            var inner = s[(i + 1)..candidateClose];
            if (list.Count > 0 || (inner.Contains("..", StringComparison.Ordinal) && !inner.ContainsAny('\'', '"', '$')))
            {
                open = i;
                close = candidateClose;
                for (var k = 0; k < list.Count; k++)
                {
                    commas.Add(list[k] - i - 1);
                }

                return true;
            }
        }

        return false;
    }

    private static List<int> TopLevelCommas(ReadOnlySpan<char> s, int open, int close)
    {
        var commas = new List<int>();
        var depth = 0;
        for (var i = open + 1; i < close; i++)
        {
            var c = s[i];
            if (c == '\\')
            {
                i++;
            }
            else if (c is '\'' or '"')
            {
                var end = s[(i + 1)..close].IndexOf(c);
                if (end < 0)
                {
                    return [];
                }

                i += end + 1;
            }
            else if (c == '{')
            {
                depth++;
            }
            else if (c == '}')
            {
                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                commas.Add(i);
            }
        }

        return commas;
    }

    /// <summary>Index of the bracket closing the one at <paramref name="open"/> ('{' or '('), or -1.</summary>
    private static int Matching(ReadOnlySpan<char> s, int open)
    {
        var opening = s[open];
        var closing = opening == '{' ? '}' : ')';
        var depth = 0;
        for (var i = open; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\\')
            {
                i++;
            }
            else if (c is '\'' or '"')
            {
                var end = s[(i + 1)..].IndexOf(c);
                if (end < 0)
                {
                    return -1;
                }

                i += end + 1;
            }
            else if (c == opening)
            {
                depth++;
            }
            else if (c == closing && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }
}
