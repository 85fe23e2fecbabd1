using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.OpaqueCode;

/// <summary>Where a command's inline program is: the word (and offset in it) where the code starts, or stdin.</summary>
/// <param name="Interpreter">Index of the interpreter's word in the command.</param>
/// <param name="CodeWord">Index of the word holding the code; the last word read when the program comes from stdin.</param>
/// <param name="CodeOffset">Where the code starts inside that word (<c>-cprint(1)</c>, <c>--eval=x</c>).</param>
/// <param name="FromStdin">The program is read from stdin (<c>python3 -</c>, <c>perl &lt; x</c>, <c>make -f -</c>).</param>
/// <param name="CodeToEnd">Every word from <paramref name="CodeWord"/> on is the code (PowerShell's <c>-Command</c>).</param>
internal readonly record struct InlineCode(int Interpreter, int CodeWord, int CodeOffset, bool FromStdin, bool CodeToEnd, Grammar Grammar);

/// <summary>Reads an interpreter's command line (per <see cref="Interpreters"/>) to find code given inline or on stdin.</summary>
internal static class InlineCodeFinder
{
    // A cluster with one of these before its f or E is not read as inline code.
    private static readonly System.Buffers.SearchValues<char> NotBeforeCode = System.Buffers.SearchValues.Create("CIoWjl");

    /// <summary>Inline code run by <paramref name="words"/> (a simple command after wrappers), or null.</summary>
    public static InlineCode? Find(ShellScan scan, ReadOnlySpan<ShellWord> words)
    {
        var first = CommandSimplifier.BaseName(scan[words[0].Text]);
        if (Interpreters.Find(first) is { } grammar)
        {
            return Read(scan, words, 0, grammar, explicitOnly: false);
        }

        if (!Interpreters.IsRunner(first))
        {
            return null;
        }

        // A runner (uv run, bundle exec, docker exec ...): the interpreter is a later word; only explicit inline code
        // counts there, since the runner's own operands are not the interpreter's.
        for (var i = 1; i < words.Length; i++)
        {
            if (!words[i].IsDynamic && Interpreters.Find(CommandSimplifier.BaseName(scan[words[i].Text])) is { } later
                && Read(scan, words, i, later, explicitOnly: true) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static InlineCode? Read(ShellScan scan, ReadOnlySpan<ShellWord> words, int at, Grammar grammar, bool explicitOnly) =>
        grammar.Kind switch
        {
            GrammarKind.Awk => ReadAwk(scan, words, at, grammar),
            GrammarKind.PowerShell => ReadPowerShell(scan, words, at, grammar, explicitOnly),
            GrammarKind.Make => ReadMake(scan, words, at, grammar),
            _ => ReadOptions(scan, words, at, grammar, explicitOnly),
        };

    private static InlineCode? ReadOptions(ShellScan scan, ReadOnlySpan<ShellWord> words, int at, Grammar g, bool explicitOnly)
    {
        var i = at + 1;
        if (g.Subcommand is not null)
        {
            if (i >= words.Length || !scan[words[i].Text].SequenceEqual(g.Subcommand))
            {
                return null;
            }

            // deno eval [options] CODE
            for (i++; i < words.Length; i++)
            {
                var w = scan[words[i].Text];
                if (w.Length < 2 || w[0] != '-')
                {
                    return new InlineCode(at, i, 0, false, false, g);
                }
            }

            return null;
        }

        for (; i < words.Length; i++)
        {
            var w = scan[words[i].Text];
            if (w is "--")
            {
                i++;
                break;
            }

            if (w is "-")
            {
                return explicitOnly ? null : new InlineCode(at, i, 0, true, false, g);
            }

            if (w.Length < 2 || w[0] != '-')
            {
                return null; // a script file or a module: not inline code
            }

            if (Contains(g.NoProgramWords, w))
            {
                return null;
            }

            var eq = w.IndexOf('=');
            var name = eq > 0 ? w[..eq] : w;
            if (Contains(g.CodeWords, name))
            {
                return eq > 0 ? new InlineCode(at, i, eq + 1, false, false, g)
                    : i + 1 < words.Length ? new InlineCode(at, i + 1, 0, false, false, g) : null;
            }

            if (Contains(g.ValueWords, name))
            {
                i += eq > 0 ? 0 : 1;
                continue;
            }

            if (w[1] == '-')
            {
                continue; // an unknown long flag
            }

            // A short cluster.
            for (var j = 1; j < w.Length; j++)
            {
                var c = w[j];
                if (g.CodeLetters.Contains(c))
                {
                    return j + 1 < w.Length ? new InlineCode(at, i, j + 1, false, false, g)
                        : i + 1 < words.Length ? new InlineCode(at, i + 1, 0, false, false, g) : null;
                }

                if (g.StopLetters.Contains(c))
                {
                    return null;
                }

                if (g.ValueLetters.Contains(c))
                {
                    i += j + 1 < w.Length ? 0 : 1;
                    break;
                }

                if (g.AttachedLetters.Contains(c))
                {
                    break;
                }

                if (g.DigitLetters.Contains(c))
                {
                    while (j + 1 < w.Length && (char.IsAsciiHexDigit(w[j + 1]) || w[j + 1] == 'x') && !g.CodeLetters.Contains(w[j + 1]))
                    {
                        j++;
                    }
                }
            }
        }

        // Only options (or "--" and then nothing): the program comes from stdin.
        return !explicitOnly && g.StdinWithoutOperand && i >= words.Length ? new InlineCode(at, words.Length - 1, 0, true, false, g) : null;
    }

    private static bool Contains(string[]? options, ReadOnlySpan<char> word)
    {
        if (options is null)
        {
            return false;
        }

        foreach (var option in options)
        {
            if (word.SequenceEqual(option))
            {
                return true;
            }
        }

        return false;
    }

    private static InlineCode? ReadAwk(ShellScan scan, ReadOnlySpan<ShellWord> words, int at, Grammar g)
    {
        for (var i = at + 1; i < words.Length; i++)
        {
            var w = scan[words[i].Text];
            if (w is "--")
            {
                return i + 1 < words.Length && AwkProgram.RunsCommands(scan[words[i + 1].Text]) ? new InlineCode(at, i + 1, 0, false, false, g) : null;
            }

            if (w is "-f" or "--file" or "-E" or "--exec")
            {
                // The program is a file; from stdin it is unseen.
                return i + 1 < words.Length && IsStdin(scan[words[i + 1].Text]) ? new InlineCode(at, i + 1, 0, true, false, g) : null;
            }

            if (w is "-e" or "--source")
            {
                if (i + 1 < words.Length && AwkProgram.RunsCommands(scan[words[i + 1].Text]))
                {
                    return new InlineCode(at, i + 1, 0, false, false, g);
                }

                i++;
                continue;
            }

            if (w is "-F" or "-v" or "--assign" or "--field-separator" or "-i" or "--include" or "-l" or "--load")
            {
                i++;
                continue;
            }

            if (w.Length > 1 && w[0] == '-')
            {
                continue; // -F: -vX=1 --posix ...
            }

            return AwkProgram.RunsCommands(w) ? new InlineCode(at, i, 0, false, false, g) : null;
        }

        return null;
    }

    private static InlineCode? ReadMake(ShellScan scan, ReadOnlySpan<ShellWord> words, int at, Grammar g)
    {
        for (var i = at + 1; i < words.Length; i++)
        {
            var w = scan[words[i].Text];
            if (w is "-f" or "--file" or "--makefile")
            {
                if (i + 1 < words.Length && IsStdin(scan[words[i + 1].Text]))
                {
                    return new InlineCode(at, i + 1, 0, true, false, g);
                }

                i++;
                continue;
            }

            if ((w.StartsWith("--file=", StringComparison.Ordinal) || w.StartsWith("--makefile=", StringComparison.Ordinal)) && IsStdin(w[(w.IndexOf('=') + 1)..]))
            {
                return new InlineCode(at, i, 0, true, false, g);
            }

            // GNU make takes any unique abbreviation of --eval: --ev, --eva (--e is ambiguous).
            var eq = w.IndexOf('=');
            var name = eq < 0 ? w : w[..eq];
            var isEval = name.Length >= 4 && "--eval".AsSpan().StartsWith(name);
            if (isEval && eq > 0)
            {
                return new InlineCode(at, i, eq + 1, false, false, g);
            }

            if (isEval || w is "-E")
            {
                return i + 1 < words.Length ? new InlineCode(at, i + 1, 0, false, false, g) : null;
            }

            if (w.Length > 2 && w[0] == '-' && w[1] != '-')
            {
                // A cluster: -sf- / -f/dev/stdin / -Eall:...
                var f = w.IndexOfAny('f', 'E');
                if (f > 0 && !w[1..f].ContainsAny(NotBeforeCode))
                {
                    var rest = w[(f + 1)..];
                    if (w[f] == 'E')
                    {
                        return rest.Length > 0 ? new InlineCode(at, i, f + 1, false, false, g)
                            : i + 1 < words.Length ? new InlineCode(at, i + 1, 0, false, false, g) : null;
                    }

                    if (rest.Length == 0 ? i + 1 < words.Length && IsStdin(scan[words[i + 1].Text]) : IsStdin(rest))
                    {
                        return new InlineCode(at, rest.Length == 0 ? i + 1 : i, 0, true, false, g);
                    }
                }
            }
        }

        return null;
    }

    private static InlineCode? ReadPowerShell(ShellScan scan, ReadOnlySpan<ShellWord> words, int at, Grammar g, bool explicitOnly)
    {
        var windowsPowerShell = CommandSimplifier.BaseName(scan[words[at].Text]).StartsWith("powershell", StringComparison.OrdinalIgnoreCase);
        for (var i = at + 1; i < words.Length; i++)
        {
            var w = scan[words[i].Text];
            if (w.Length < 2 || w[0] is not ('-' or '/'))
            {
                // A positional argument: Windows PowerShell runs it as a command, pwsh as a script file.
                return windowsPowerShell ? new InlineCode(at, i, 0, false, true, g) : null;
            }

            var name = w[1..];
            var colon = name.IndexOf(':');
            if (colon > 0)
            {
                name = name[..colon];
            }

            if (IsAbbreviation(name, "command", 1))
            {
                if (i + 1 >= words.Length)
                {
                    return null;
                }

                return scan[words[i + 1].Text] is "-" ? (explicitOnly ? null : new InlineCode(at, i + 1, 0, true, false, g)) : new InlineCode(at, i + 1, 0, false, true, g);
            }

            if (name.Equals("e", StringComparison.OrdinalIgnoreCase) || name.Equals("ec", StringComparison.OrdinalIgnoreCase) || IsAbbreviation(name, "encodedcommand", 2))
            {
                return i + 1 < words.Length ? new InlineCode(at, i + 1, 0, false, false, g) : null;
            }

            if (IsAbbreviation(name, "file", 1))
            {
                return i + 1 < words.Length && scan[words[i + 1].Text] is "-" && !explicitOnly ? new InlineCode(at, i + 1, 0, true, false, g) : null;
            }

            if (IsAbbreviation(name, "version", 1) || IsAbbreviation(name, "help", 1) || name is "?")
            {
                return null;
            }

            if (colon < 0 && (IsAbbreviation(name, "executionpolicy", 2) || name.Equals("ep", StringComparison.OrdinalIgnoreCase)
                || IsAbbreviation(name, "workingdirectory", 2) || name.Equals("wd", StringComparison.OrdinalIgnoreCase)
                || IsAbbreviation(name, "outputformat", 2) || IsAbbreviation(name, "inputformat", 2) || IsAbbreviation(name, "windowstyle", 2)
                || IsAbbreviation(name, "configurationname", 2) || IsAbbreviation(name, "custompipename", 2) || IsAbbreviation(name, "settingsfile", 2)))
            {
                i++;
            }
        }

        // No command and no file: PowerShell reads commands from stdin.
        return explicitOnly ? null : new InlineCode(at, words.Length - 1, 0, true, false, g);
    }

    private static bool IsAbbreviation(ReadOnlySpan<char> word, string full, int minimum) =>
        word.Length >= minimum && word.Length <= full.Length && full.AsSpan(0, word.Length).Equals(word, StringComparison.OrdinalIgnoreCase);

    private static bool IsStdin(ReadOnlySpan<char> path) => path is "-" or "/dev/stdin" or "/dev/fd/0" or "/proc/self/fd/0";
}
