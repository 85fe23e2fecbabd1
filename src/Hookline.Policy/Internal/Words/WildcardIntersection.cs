namespace Hookline.Policy.Internal.Words;

/// <summary>
/// Whether a pattern (word form, <c>*</c> matching anything) and a <see cref="WordTemplate"/> have a text in common:
/// a walk over pairs of positions, both only moving forward, so it costs at most |pattern| × |template| × 4 steps.
/// A run of the pattern's literal characters may not be made of glob text alone: a glob such as <c>src/*.json</c>
/// could name any file, and only its literal part (<c>.en?</c>) is evidence of what it reads.
/// </summary>
internal static class WildcardIntersection
{
    /// <summary>Longer templates are not compared: the answer is "could match", the safe side.</summary>
    public const int MaxTemplate = 2048;

    // Per state: which kinds of template text the current run of pattern literals has used.
    private const int UsedGlob = 1;
    private const int UsedOther = 2;
    private const int Flags = 4;

    public static bool Intersects(ReadOnlySpan<char> pattern, ReadOnlySpan<char> template)
    {
        if (template.Length > MaxTemplate || pattern.Length > MaxTemplate)
        {
            return true;
        }

        // Cheap rejection first: the literal heads must agree up to the first wildcard on either side.
        for (var k = 0; k < pattern.Length && k < template.Length; k++)
        {
            if (pattern[k] == '*' || template[k] is >= WordTemplate.Any and <= WordTemplate.Last)
            {
                break;
            }

            if (pattern[k] != template[k])
            {
                return false;
            }
        }

        var width = (template.Length + 1) * Flags;
        Span<bool> rows = width * 2 <= 2048 ? stackalloc bool[width * 2] : new bool[width * 2];
        var current = rows[..width];
        var next = rows[width..];
        current.Clear();
        current[0] = true;
        for (var i = 0; i <= pattern.Length; i++)
        {
            next.Clear();
            var pEnd = i == pattern.Length;
            var p = pEnd ? '\0' : pattern[i];
            for (var cell = 0; cell < width; cell++)
            {
                if (!current[cell])
                {
                    continue;
                }

                var j = cell / Flags;
                var run = cell % Flags;
                if ((pEnd || p == '*') && run == UsedGlob)
                {
                    continue; // the literal run just ended was glob text only
                }

                if (pEnd || p == '*')
                {
                    run = 0;
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
                    next[j * Flags] = true;
                }

                if (!tEnd && t is WordTemplate.Any or WordTemplate.InWord or WordTemplate.GlobChars)
                {
                    current[((j + 1) * Flags) + run] = true;
                }

                if (!tEnd && t == WordTemplate.OptionalWords && j + 2 <= template.Length)
                {
                    current[((j + 2) * Flags) + run] = true;
                }

                if (pEnd || tEnd)
                {
                    continue;
                }

                // Moves that consume one character of the common text.
                if (p == '*')
                {
                    if (t is not (WordTemplate.Any or WordTemplate.InWord or WordTemplate.GlobChars))
                    {
                        current[(j + 1) * Flags] = true; // the star eats a literal or the optional gap
                    }

                    continue;
                }

                switch (t)
                {
                    case WordTemplate.Any or WordTemplate.InWord:
                        if (t == WordTemplate.Any || p != WordText.Separator)
                        {
                            next[(j * Flags) + (run | UsedOther)] = true;
                        }

                        break;
                    case WordTemplate.GlobChars:
                        if (p is not (WordText.Separator or '.' or '/'))
                        {
                            next[(j * Flags) + (run | UsedGlob)] = true;
                        }

                        break;
                    case WordTemplate.OptionalWords:
                        if (p == WordText.Separator)
                        {
                            next[((j + 1) * Flags) + (run | UsedOther)] = true;
                        }

                        break;
                    default:
                        if (p == t)
                        {
                            next[((j + 1) * Flags) + (run | UsedOther)] = true;
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
