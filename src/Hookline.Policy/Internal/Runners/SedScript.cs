using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// GNU sed runs commands: <c>e COMMAND</c> runs COMMAND, a bare <c>e</c> and the <c>s///e</c> flag run the pattern
/// space. The scripts of a sed command (<c>-e</c>, <c>--expression</c>, or the first operand) are read for them.
/// </summary>
internal static class SedScript
{
    public static void Inspect(ShellParser parser, ReadOnlySpan<ShellWord> command)
    {
        var scan = parser.Output;
        var sawExpression = false;
        var firstOperand = -1;
        for (var i = 1; i < command.Length; i++)
        {
            var w = scan[command[i].Text];
            if (w is "--")
            {
                firstOperand = firstOperand < 0 && i + 1 < command.Length ? i + 1 : firstOperand;
                break;
            }

            if (w is "--expression" && i + 1 < command.Length)
            {
                Read(parser, command[++i], 0);
                sawExpression = true;
            }
            else if (w.StartsWith("--expression=", StringComparison.Ordinal))
            {
                Read(parser, command[i], "--expression=".Length);
                sawExpression = true;
            }
            else if (w is "--file" or "--line-length")
            {
                i++;
            }
            else if (w.Length > 1 && w[0] == '-' && w[1] != '-')
            {
                // A short cluster: -n, -E, -i[SUFFIX], -e SCRIPT / -eSCRIPT, -f FILE, -l N.
                for (var j = 1; j < w.Length; j++)
                {
                    if (w[j] is 'e' or 'f' or 'l')
                    {
                        var attached = j + 1 < w.Length;
                        if (w[j] == 'e')
                        {
                            sawExpression = true;
                            if (attached)
                            {
                                Read(parser, command[i], j + 1);
                            }
                            else if (i + 1 < command.Length)
                            {
                                Read(parser, command[i + 1], 0);
                            }
                        }

                        i += attached ? 0 : 1;
                        break;
                    }

                    if (w[j] == 'i')
                    {
                        break; // -iSUFFIX
                    }
                }
            }
            else if (!w.StartsWith('-') && firstOperand < 0)
            {
                firstOperand = i;
            }
        }

        if (!sawExpression && firstOperand >= 0)
        {
            Read(parser, command[firstOperand], 0);
        }
    }

    private static void Read(ShellParser parser, ShellWord word, int from)
    {
        var scan = parser.Output;
        var s = scan[word.Text];
        var at = from;
        while (at < s.Length)
        {
            at = SkipBlanksAndSeparators(s, at);
            if (at >= s.Length)
            {
                return;
            }

            at = SkipAddress(s, at);
            while (at < s.Length && s[at] is ' ' or '\t' or '!')
            {
                at++;
            }

            if (at >= s.Length)
            {
                return;
            }

            var c = s[at++];
            switch (c)
            {
                case 'e':
                    {
                        var end = LineEnd(s, at);
                        var body = s[at..end].Trim();
                        if (body.IsEmpty)
                        {
                            Opaque(scan, word);
                        }
                        else
                        {
                            var offset = at + (s[at..end].Length - s[at..end].TrimStart().Length);
                            parser.ParseNested(new TextRange(word.Text.Start + offset, body.Length), parser.Privileged);
                        }

                        at = end;
                        break;
                    }

                case 's':
                    at = SkipDelimited(s, at, parts: 2);
                    while (at < s.Length && s[at] is not (';' or '\n' or '}' or ' ' or '\t'))
                    {
                        if (s[at] == 'e')
                        {
                            Opaque(scan, word);
                        }

                        if (s[at] == 'w')
                        {
                            at = LineEnd(s, at); // s///w FILE: the rest of the line is the file name
                            break;
                        }

                        at++;
                    }

                    break;
                case 'y':
                    at = SkipDelimited(s, at, parts: 2);
                    break;
                case 'a' or 'i' or 'c' or 'r' or 'R' or 'w' or 'W' or ':' or 'b' or 't' or 'T' or '#':
                    at = c is 'b' or 't' or 'T' ? LabelEnd(s, at) : LineEnd(s, at);
                    break;
                default:
                    break; // one-letter commands, '{', '}', and the numbers of l/q/Q/L
            }
        }
    }

    private static void Opaque(ShellScan scan, ShellWord word) =>
        scan.Raise(ReasonCodes.OpaqueProgram, "sed runs text as a command (the e command or the s///e flag), which the engine cannot see", word.Raw);

    private static int SkipBlanksAndSeparators(ReadOnlySpan<char> s, int at)
    {
        while (at < s.Length && s[at] is ' ' or '\t' or '\n' or ';' or '}' or '{')
        {
            at++;
        }

        return at;
    }

    private static int SkipAddress(ReadOnlySpan<char> s, int at)
    {
        for (var part = 0; part < 2; part++)
        {
            if (at < s.Length && (char.IsAsciiDigit(s[at]) || s[at] is '$' or '+' or '~'))
            {
                at++;
                while (at < s.Length && (char.IsAsciiDigit(s[at]) || s[at] == '~'))
                {
                    at++;
                }
            }
            else if (at < s.Length && s[at] is '/' or '\\')
            {
                if (s[at] == '\\')
                {
                    at++;
                }

                at = SkipDelimited(s, at, parts: 1);
                while (at < s.Length && s[at] is 'I' or 'M')
                {
                    at++;
                }
            }

            if (at < s.Length && s[at] == ',' && part == 0)
            {
                at++;
                continue;
            }

            break;
        }

        return at;
    }

    /// <summary>From a delimiter character, skips <paramref name="parts"/> delimited parts (escapes honoured).</summary>
    private static int SkipDelimited(ReadOnlySpan<char> s, int at, int parts)
    {
        if (at >= s.Length)
        {
            return at;
        }

        var delimiter = s[at++];
        for (var seen = 0; at < s.Length && seen < parts; at++)
        {
            if (s[at] == '\\')
            {
                at++;
            }
            else if (s[at] == delimiter)
            {
                seen++;
            }
        }

        return at;
    }

    private static int LineEnd(ReadOnlySpan<char> s, int at)
    {
        var nl = s[at..].IndexOf('\n');
        return nl < 0 ? s.Length : at + nl;
    }

    private static int LabelEnd(ReadOnlySpan<char> s, int at)
    {
        var end = s[at..].IndexOfAny(';', '\n');
        return end < 0 ? s.Length : at + end;
    }
}
