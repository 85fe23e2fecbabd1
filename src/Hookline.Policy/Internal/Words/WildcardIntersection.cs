namespace Hookline.Policy.Internal.Words;

/// <summary>
/// Whether a pattern (word form, <c>*</c> matching anything) and a <see cref="WordTemplate"/> have a text in common:
/// a walk over pairs of positions, both only moving forward, so it costs at most |pattern| × |template| steps.
/// </summary>
internal static class WildcardIntersection
{
    /// <summary>Longer templates are not compared: the answer is "could match", the safe side.</summary>
    public const int MaxTemplate = 2048;

    public static bool Intersects(ReadOnlySpan<char> pattern, ReadOnlySpan<char> template)
    {
        if (template.Length > MaxTemplate || pattern.Length > MaxTemplate)
        {
            return true;
        }

        var width = template.Length + 1;
        Span<bool> rows = width * 2 <= 1024 ? stackalloc bool[width * 2] : new bool[width * 2];
        var current = rows[..width];
        var next = rows[width..];
        current.Clear();
        current[0] = true;
        for (var i = 0; i <= pattern.Length; i++)
        {
            next.Clear();
            var p = i < pattern.Length ? pattern[i] : '\0';
            var pEnd = i == pattern.Length;
            for (var j = 0; j < width; j++)
            {
                if (!current[j])
                {
                    continue;
                }

                if (pEnd && j == template.Length)
                {
                    return true;
                }

                var tEnd = j == template.Length;
                var t = tEnd ? '\0' : template[j];

                // Moves that consume nothing.
                if (!pEnd && p == '*')
                {
                    next[j] = true;
                }

                if (!tEnd && t is WordTemplate.Any or WordTemplate.InWord)
                {
                    current[j + 1] = true;
                }

                if (!tEnd && t == WordTemplate.OptionalWords && j + 2 < width)
                {
                    current[j + 2] = true;
                }

                if (pEnd || tEnd)
                {
                    continue;
                }

                // Moves that consume one character of the common text.
                if (p == '*')
                {
                    if (t is not (WordTemplate.Any or WordTemplate.InWord))
                    {
                        current[j + 1] = true; // the star eats a literal or the optional gap
                    }

                    continue;
                }

                switch (t)
                {
                    case WordTemplate.Any:
                        next[j] = true;
                        break;
                    case WordTemplate.InWord:
                        if (p != WordText.Separator)
                        {
                            next[j] = true;
                        }

                        break;
                    case WordTemplate.OptionalWords:
                        if (p == WordText.Separator)
                        {
                            next[j + 1] = true;
                        }

                        break;
                    default:
                        if (p == t)
                        {
                            next[j + 1] = true;
                        }

                        break;
                }
            }

            var swap = current;
            current = next;
            next = swap;
        }

        return false;
    }
}
