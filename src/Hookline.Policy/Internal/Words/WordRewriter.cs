using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Words;

/// <summary>
/// What the engine can resolve of a simple command's words before it is simplified: brace expansion (static) and
/// variables set to a literal earlier on the line. It also notes arithmetic that can run code. Called once per simple
/// command from <see cref="CommandSimplifier.Add"/>; words it cannot improve are passed on as they are.
/// </summary>
internal static class WordRewriter
{
    [ThreadStatic]
    private static List<TextRange>? t_variants;

    /// <param name="topLevel">Assignments are remembered only outside subshells and substitutions, which do not share them.</param>
    public static ReadOnlySpan<ShellWord> Rewrite(ShellScan scan, ReadOnlySpan<ShellWord> words, bool topLevel)
    {
        var dynamic = false;
        foreach (var word in words)
        {
            dynamic |= word.IsDynamic;
        }

        var constants = scan.Constants;
        var result = words;
        if (dynamic)
        {
            NoteRiskyArithmetic(scan, words);
            result = Expand(scan, words);
        }

        constants.Learn(scan, words, topLevel);
        return result;
    }

    private static ReadOnlySpan<ShellWord> Expand(ShellScan scan, ReadOnlySpan<ShellWord> words)
    {
        var constants = scan.Constants;
        var text = scan.Text;
        var start = constants.RewrittenCount;
        var changed = false;
        var leadingAssignments = true;
        foreach (var word in words)
        {
            var raw = text[word.Raw];
            if (leadingAssignments && raw.IndexOf('=') > 0 && WordLexer.IsName(raw[..raw.IndexOf('=')]))
            {
                constants.PushRewritten(word); // assignments are not brace-expanded
                continue;
            }

            leadingAssignments = false;
            if (!word.IsDynamic)
            {
                constants.PushRewritten(word);
                continue;
            }

            if (word.HasGlob && raw.Contains('{'))
            {
                var variants = t_variants ??= [];
                variants.Clear();
                if (BraceExpansion.TryExpand(text, word.Raw, variants))
                {
                    var mark = constants.RewrittenCount;
                    var all = true;
                    foreach (var variant in variants)
                    {
                        all &= TryBuild(scan, variant, resolved: false);
                    }

                    if (all)
                    {
                        changed = true;
                        continue;
                    }

                    constants.RewrittenCount = mark;
                }
            }

            if (word.HasExpansion && constants.Count > 0)
            {
                var mark = constants.RewrittenCount;
                if (TryBuild(scan, word.Raw, resolved: true))
                {
                    changed |= constants.RewrittenCount != mark + 1 || !text[constants.RewrittenFrom(mark)[0].Text].SequenceEqual(text[word.Text]);
                    continue;
                }

                constants.RewrittenCount = mark;
            }

            constants.PushRewritten(word);
        }

        if (!changed)
        {
            constants.RewrittenCount = start;
            return words;
        }

        return constants.RewrittenFrom(start);
    }

    /// <summary>
    /// Builds the words one raw word becomes. With <paramref name="resolved"/>, known variables are replaced by their
    /// value (split into words when unquoted) and the words keep the original raw text, so they still count as
    /// unresolved for allow rules; brace variants keep their own raw text.
    /// </summary>
    private static bool TryBuild(ShellScan scan, TextRange raw, bool resolved)
    {
        var constants = scan.Constants;
        var text = scan.Text;
        var wordStart = text.Length;
        bool expansion = false, glob = false, substituted = false;
        var present = text[raw].ContainsAny('\'', '"'); // '' is a word, even empty
        var lexer = new WordLexer(text[raw]);
        while (lexer.Next(out var segment))
        {
            switch (segment.Kind)
            {
                case SegmentKind.Unsupported:
                    return false;
                case SegmentKind.Literal:
                    text.Append(segment.Char);
                    present = true;
                    break;
                case SegmentKind.Glob:
                    text.Append(segment.Raw);
                    glob = present = true;
                    break;
                case SegmentKind.Variable when resolved && constants.TryGet(text, segment.Name, out var value):
                    substituted = true;
                    if (segment.Quoted)
                    {
                        text.Append(text[value]);
                        present = true;
                        break;
                    }

                    // Unquoted: split on blanks (the default IFS), as the shell does.
                    foreach (var c in text[value].ToArray())
                    {
                        if (c is ' ' or '\t' or '\n')
                        {
                            if (text.Length > wordStart)
                            {
                                Push(constants, text, wordStart, raw, expansion || substituted, glob);
                                glob = expansion = false;
                                wordStart = text.Length;
                            }

                            present = false;
                            continue;
                        }

                        glob |= c is '*' or '?' or '[';
                        text.Append(c);
                        present = true;
                    }

                    break;
                default:
                    text.Append(segment.Raw);
                    expansion = present = true;
                    break;
            }
        }

        if (present || text.Length > wordStart)
        {
            Push(constants, text, wordStart, raw, expansion || substituted, glob);
        }

        return true;
    }

    private static void Push(ShellConstants constants, TextArena text, int start, TextRange raw, bool expansion, bool glob) =>
        constants.PushRewritten(new ShellWord(text.From(start), raw, expansion, glob));

    /// <summary><c>$((x))</c> evaluates x's value as an expression, and <c>a[$(cmd)]</c> in it runs cmd.</summary>
    private static void NoteRiskyArithmetic(ShellScan scan, ReadOnlySpan<ShellWord> words)
    {
        var constants = scan.Constants;
        if (constants.RiskyArithmetic.HasValue)
        {
            return;
        }

        var text = scan.Text;
        foreach (var word in words)
        {
            var raw = text[word.Raw];
            if (!word.IsDynamic || (!raw.Contains("$((", StringComparison.Ordinal) && !raw.Contains("$[", StringComparison.Ordinal) && !raw.Contains("${", StringComparison.Ordinal)))
            {
                continue;
            }

            var lexer = new WordLexer(raw);
            while (lexer.Next(out var segment))
            {
                var risky = segment.Kind switch
                {
                    SegmentKind.Arithmetic => NamesUnprovenVariable(scan, segment.Name),
                    SegmentKind.Expansion when segment.Raw.StartsWith("${", StringComparison.Ordinal) => ParameterArithmeticIsRisky(scan, segment.Raw[2..^1]),
                    _ => false,
                };
                if (risky)
                {
                    constants.RiskyArithmetic = word.Raw;
                    return;
                }
            }
        }
    }

    /// <summary>
    /// The subscript of <c>${a[i]}</c> and the offset and length of <c>${s:i:n}</c> are arithmetic too. Others
    /// (<c>${a[@]}</c>, <c>${x:-default}</c>, <c>${#x}</c>) are not examined.
    /// </summary>
    private static bool ParameterArithmeticIsRisky(ShellScan scan, ReadOnlySpan<char> inner)
    {
        if (IndirectionIsRisky(scan, inner))
        {
            return true;
        }

        var rest = inner.TrimStart("#!");
        var n = 0;
        while (n < rest.Length && (rest[n] == '_' || char.IsAsciiLetterOrDigit(rest[n])))
        {
            n++;
        }

        if (n == 0)
        {
            return false;
        }

        rest = rest[n..];
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']');
            if (close < 0)
            {
                return false;
            }

            var subscript = rest[1..close];
            if (subscript is not ("@" or "*") && NamesUnprovenVariable(scan, subscript))
            {
                return true;
            }

            rest = rest[(close + 1)..];
        }

        return rest.Length > 1 && rest[0] == ':' && rest[1] is not ('-' or '=' or '+' or '?') && NamesUnprovenVariable(scan, rest[1..]);
    }

    /// <summary>
    /// <c>${!x}</c> expands the variable named by x's value, and a subscript there (<c>x='a[$(cmd)]'</c>) is evaluated:
    /// risky unless x is a same-line constant holding a plain name. <c>${!prefix*}</c> and <c>${!a[@]}</c> list names.
    /// </summary>
    private static bool IndirectionIsRisky(ShellScan scan, ReadOnlySpan<char> inner)
    {
        if (inner.Length < 2 || inner[0] != '!' || inner[^1] is '*' or '@' || inner.EndsWith("[@]", StringComparison.Ordinal) || inner.EndsWith("[*]", StringComparison.Ordinal))
        {
            return false;
        }

        var n = 1;
        while (n < inner.Length && (inner[n] == '_' || char.IsAsciiLetterOrDigit(inner[n])))
        {
            n++;
        }

        return !scan.Constants.TryGet(scan.Text, inner[1..n], out var value) || !WordLexer.IsName(scan.Text[value]);
    }

    private static bool NamesUnprovenVariable(ShellScan scan, ReadOnlySpan<char> expression)
    {
        for (var i = 0; i < expression.Length; i++)
        {
            var c = expression[i];
            if (!(c == '_' || char.IsAsciiLetter(c)))
            {
                continue;
            }

            var start = i;
            while (i < expression.Length && (expression[i] == '_' || char.IsAsciiLetterOrDigit(expression[i])))
            {
                i++;
            }

            // 0x1f and 16#ff are numbers, not names.
            if (start > 0 && (char.IsAsciiDigit(expression[start - 1]) || expression[start - 1] == '#'))
            {
                continue;
            }

            if (!scan.Constants.IsProvenNumber(scan.Text, expression[start..i]))
            {
                return true;
            }
        }

        return false;
    }
}
