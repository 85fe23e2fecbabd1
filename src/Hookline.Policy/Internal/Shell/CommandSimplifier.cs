using System.Text.RegularExpressions;
using Hookline.Policy.Internal.Runners;

namespace Hookline.Policy.Internal.Shell;

/// <summary>
/// Turns the words of one simple command into what actually runs: reserved words, <c>VAR=value</c> prefixes and
/// wrappers (timeout, nice, sudo, env, xargs, ...) are stripped; <c>bash -c</c>, <c>eval</c> and <c>find -exec</c>
/// bodies become commands of their own.
/// </summary>
internal static partial class CommandSimplifier
{
    private static readonly HashSet<string> LeadingReservedWords = new(StringComparer.Ordinal)
    {
        "!", "{", "}", "then", "else", "elif", "do", "done", "fi", "if", "while", "until", "esac",
    };

    private static readonly HashSet<string> Shells = new(StringComparer.Ordinal)
    {
        "bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "fish", "busybox", "csh", "tcsh", "rbash", "yash", "posh", "oksh", "loksh", "nu", "xonsh", "elvish",
    };

    // Assignments that change what a command does (search path, preloaded code, shell start-up): allow rules must see them.
    private static readonly HashSet<string> DangerousVariables = new(StringComparer.Ordinal)
    {
        "PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "DYLD_INSERT_LIBRARIES", "DYLD_LIBRARY_PATH", "BASH_ENV", "ENV",
        "IFS", "PS4", "SHELLOPTS", "BASHOPTS", "PROMPT_COMMAND", "NODE_OPTIONS", "PYTHONPATH", "PYTHONSTARTUP", "PERL5OPT",
        "RUBYOPT", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_EXEC_PATH", "GIT_CONFIG_PARAMETERS", "JAVA_TOOL_OPTIONS",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> ReservedLookup = LeadingReservedWords.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> ShellLookup = Shells.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> DangerousLookup = DangerousVariables.GetAlternateLookup<ReadOnlySpan<char>>();

    // Long options that take the next word, per wrapper.
    private static readonly string[] TimeoutLong = ["--signal", "--kill-after"];
    private static readonly string[] TimeLong = ["--format", "--output"];
    private static readonly string[] NiceLong = ["--adjustment"];
    private static readonly string[] StdbufLong = ["--input", "--output", "--error"];
    private static readonly string[] XargsLong = ["--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-chars", "--process-slot-var"];
    private static readonly string[] EnvLong = ["--unset", "--chdir"];
    private static readonly string[] EnvSplitString = ["--split-string"];
    private static readonly string[] SudoLong = ["--user", "--group", "--close-from", "--chdir", "--host", "--prompt", "--role", "--type", "--other-user", "--command-timeout", "--chroot"];

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=", RegexOptions.CultureInvariant)]
    private static partial Regex AssignmentRegex();

    public static void Add(ShellParser parser, ReadOnlySpan<ShellWord> words, bool privileged)
    {
        var scan = parser.Output;
        words = Words.WordRewriter.Rewrite(scan, words, parser.AtTopLevel);
        var k = 0;
        while (k < words.Length && !words[k].IsDynamic && ReservedLookup.Contains(scan[words[k].Text]) && scan[words[k].Raw].SequenceEqual(scan[words[k].Text]))
        {
            k++;
        }

        if (k < words.Length && scan[words[k].Raw] is "for" or "select" or "case" or "function" or "coproc" or "[[" or "((")
        {
            var keyword = scan[words[k].Raw];
            if (keyword is "for" or "select")
            {
                return; // a loop header runs nothing itself; substitutions in it were already collected.
            }

            if (keyword is "function")
            {
                k += 2; // "function f { body; }": the body is read as commands, as if it ran
            }
            else if (keyword is "case" or "coproc")
            {
                parser.Fail($"'{keyword}' is not supported");
                return;
            }
        }

        while (true)
        {
            k = SkipAssignments(scan, words, k, ref privileged);
            if (k >= words.Length)
            {
                return; // only assignments: nothing runs (substitutions in them were already collected).
            }

            if (words[k].IsDynamic)
            {
                break;
            }

            if (scan[words[k].Raw] is "{" or "!")
            {
                k++; // "nice { cmd; }" is a bash error, but stripping keeps the deny side conservative.
                continue;
            }

            var name = BaseName(scan[words[k].Text]);
            var sudo = name is "sudo" or "doas";
            FileArguments.WrapperDirectories.Record(scan, name, words, k);
            var next = SkipWrapper(name, words, k, parser, privileged || sudo, out var consumedAll);
            if (consumedAll)
            {
                return;
            }

            if (next == k)
            {
                break;
            }

            if (next >= words.Length)
            {
                break; // a bare wrapper ("sudo -s", "env"): keep it visible as a command of its own.
            }

            privileged |= sudo || CommandRunners.IsPrivileged(name);

            k = next;
        }

        if (k >= words.Length)
        {
            return;
        }

        var command = words[k..];
        if (CommandRunners.Inspect(parser, command, privileged) || TryExpandShell(parser, command, privileged) || TryExpandEval(parser, command, privileged))
        {
            return;
        }

        var opaqueCodeEnd = OpaqueCode.OpaqueCodeScanner.Inspect(parser, command, privileged);
        AddFindExec(parser, command, privileged);
        RecordDirectoryChange(scan, command);
        scan.Commands.Add(Build(scan, command, privileged) with { OpaqueCodeEnd = opaqueCodeEnd });
    }

    private static SubCommandRange Build(ShellScan scan, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var text = command.Length == 1 ? command[0].Text : JoinWords(scan, TextRange.None, command);
        var baseNameText = TextRange.None;
        var first = scan[command[0].Text];
        var name = BaseName(first);
        var gitSubcommand = name is "git" ? SkipGitGlobalOptions(scan, command) : 1;
        if (name.Length != first.Length || gitSubcommand > 1)
        {
            // The form deny/ask rules also see: "/usr/bin/git -C repo push" is "git push".
            var nameRange = new TextRange(command[0].Text.Start + first.Length - name.Length, name.Length);
            baseNameText = JoinWords(scan, nameRange, command[gitSubcommand..]);
        }

        var privilegedText = TextRange.None;
        if (privileged)
        {
            var start = scan.Text.Length;
            scan.Text.Append("sudo ");
            scan.Text.Append(scan[text]);
            privilegedText = scan.Text.From(start);
        }

        return new SubCommandRange(text, baseNameText, privilegedText, command[0].IsDynamic, scan.KeepCommandWords(command), command.Length);
    }

    /// <summary>Index of git's subcommand after global options (<c>-C dir</c>, <c>-c k=v</c>, <c>--git-dir=x</c>, <c>--no-pager</c>, ...).</summary>
    internal static int SkipGitGlobalOptions(ShellScan scan, ReadOnlySpan<ShellWord> command)
    {
        var i = 1;
        while (i < command.Length && scan[command[i].Text].StartsWith('-'))
        {
            var w = scan[command[i].Text];
            i += w is "-C" or "-c" or "--git-dir" or "--work-tree" or "--namespace" or "--config-env" or "--super-prefix" ? 2 : 1;
        }

        return Math.Min(i, command.Length);
    }

    /// <summary>Appends <paramref name="head"/> (when set) and the words' texts, joined by single spaces.</summary>
    private static TextRange JoinWords(ShellScan scan, TextRange head, ReadOnlySpan<ShellWord> words)
    {
        var text = scan.Text;
        var start = text.Length;
        if (head.HasValue)
        {
            text.Append(scan[head]);
        }

        foreach (var word in words)
        {
            if (text.Length > start)
            {
                text.Append(' ');
            }

            text.Append(scan[word.Text]);
        }

        return text.From(start);
    }

    private static int SkipAssignments(ShellScan scan, ReadOnlySpan<ShellWord> words, int k, ref bool privileged)
    {
        while (k < words.Length && scan[words[k].Raw].Contains('=') && AssignmentRegex().IsMatch(scan[words[k].Raw]))
        {
            var raw = scan[words[k].Raw];
            privileged |= DangerousLookup.Contains(raw[..raw.IndexOfAny('=', '[', '+')]);
            RunConfig.CheckAssignment(scan, words[k]);
            k++;
        }

        return k;
    }

    /// <summary>Returns the index after the wrapper and its options, or <paramref name="k"/> when the word is no wrapper.</summary>
    private static int SkipWrapper(ReadOnlySpan<char> name, ReadOnlySpan<ShellWord> words, int k, ShellParser parser, bool privileged, out bool consumedAll)
    {
        var scan = parser.Output;
        consumedAll = false;
        var i = k + 1;
        switch (name)
        {
            case "timeout":
                i = SkipOptions(scan, words, i, withArgument: "sk", longWithArgument: TimeoutLong);
                return i < words.Length ? i + 1 : i; // the duration
            case "time":
                return SkipOptions(scan, words, i, withArgument: "fo", longWithArgument: TimeLong);
            case "nice":
                return SkipOptions(scan, words, i, withArgument: "n", longWithArgument: NiceLong);
            case "nohup" or "builtin":
                return SkipOptions(scan, words, i, withArgument: "", longWithArgument: []);
            case "stdbuf":
                return SkipOptions(scan, words, i, withArgument: "ioe", longWithArgument: StdbufLong);
            case "command":
                // "command -v x" only prints where x is; it does not run it.
                return i < words.Length && scan[words[i].Text] is "-v" or "-V" ? k : SkipOptions(scan, words, i, withArgument: "", longWithArgument: []);
            case "exec":
                return SkipOptions(scan, words, i, withArgument: "a", longWithArgument: []);
            case "xargs":
                FileArguments.WrapperFiles.XargsArgFile(scan, words, i);
                i = SkipOptions(scan, words, i, withArgument: "IadEeLlnPs", longWithArgument: XargsLong, optionalArgument: "iel");
                if (i < words.Length)
                {
                    Words.XargsInput.Rewrite(parser, words, k, i, privileged); // the command runs with words from stdin
                    consumedAll = true;
                }

                return i;
            case "sudo":
                return SkipOptions(scan, words, i, withArgument: "ugCDhprtUTR", longWithArgument: SudoLong);
            case "doas":
                return SkipOptions(scan, words, i, withArgument: "uC", longWithArgument: []);
            case "env":
                for (; i < words.Length; i++)
                {
                    var w = scan[words[i].Text];
                    var letter = RunnerGrammar.EnvOptionLetter(w, out var at); // in a cluster too: "-iS cmd", "-iu NAME"
                    var splitString = RunnerGrammar.IsLongOption(w, EnvSplitString);
                    if (splitString || letter == 'S')
                    {
                        // env -S "cmd args": the string is split into a command line.
                        var body = (splitString && !w.Contains('=')) || (letter == 'S' && at == w.Length - 1) ? (i + 1 < words.Length ? scan[words[++i].Text] : []) : letter == 'S' ? w[(at + 1)..] : w[(w.IndexOf('=') + 1)..];
                        var start = scan.Text.Length;
                        scan.Text.Append(body);
                        scan.Text.Append(' ');
                        JoinWords(scan, TextRange.None, words[(i + 1)..]);
                        parser.ParseNested(scan.Text.From(start), privileged);
                        consumedAll = true;
                        return words.Length;
                    }

                    if (RunnerGrammar.TakesNextWord(w, EnvLong) || (letter is 'u' or 'C' or 'P' && at == w.Length - 1))
                    {
                        i++;
                        continue;
                    }

                    if (w is "--")
                    {
                        return i + 1;
                    }

                    if (!w.StartsWith('-') || w is "-")
                    {
                        if (w is "-")
                        {
                            continue;
                        }

                        return i;
                    }
                }

                return i;
            default:
                return CommandRunners.Skip(name, words, k, parser, privileged, out consumedAll);
        }
    }

    /// <summary>Skips option words: short clusters (<c>-n 5</c>, <c>-n5</c>, <c>-oL</c>, <c>-15</c>), long ones (<c>--x=y</c>, <c>--x y</c>) and <c>--</c>.</summary>
    internal static int SkipOptions(ShellScan scan, ReadOnlySpan<ShellWord> words, int i, string withArgument, string[] longWithArgument, string optionalArgument = "")
    {
        while (i < words.Length)
        {
            var w = scan[words[i].Text];
            if (w is "--")
            {
                return i + 1;
            }

            if (w.Length < 2 || w[0] != '-')
            {
                return i;
            }

            if (w.StartsWith("--", StringComparison.Ordinal))
            {
                i += RunnerGrammar.TakesNextWord(w, longWithArgument) ? 2 : 1;
                continue;
            }

            // A short cluster: the first letter that takes an argument consumes the rest, or the next word.
            var takesNext = false;
            for (var j = 1; j < w.Length; j++)
            {
                if (withArgument.Contains(w[j]) && !optionalArgument.Contains(w[j]))
                {
                    takesNext = j == w.Length - 1;
                    break;
                }

                if (optionalArgument.Contains(w[j]))
                {
                    break;
                }
            }

            i += takesNext ? 2 : 1;
        }

        return i;
    }

    internal static bool IsOneOf(ReadOnlySpan<char> word, string[] options)
    {
        foreach (var option in options)
        {
            if (word.SequenceEqual(option))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryExpandShell(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        var name = BaseName(scan[command[0].Text]);
        if (!ShellLookup.Contains(name))
        {
            return false;
        }

        var i = 1;
        if (name is "busybox")
        {
            if (command.Length < 2 || !ShellLookup.Contains(BaseName(scan[command[1].Text])))
            {
                return false;
            }

            i = 2;
        }

        var sawC = false;
        for (; i < command.Length; i++)
        {
            var w = scan[command[i].Text];
            if (w is "-o" or "+o" or "-O" or "+O" or "--rcfile" or "--init-file")
            {
                i++;
                continue;
            }

            if (w is "--")
            {
                continue;
            }

            if (w.Length > 1 && w[0] is '-' or '+' && !w.StartsWith("--", StringComparison.Ordinal))
            {
                sawC |= w.Contains('c');
                continue;
            }

            if (w.StartsWith("--", StringComparison.Ordinal))
            {
                continue;
            }

            if (!sawC)
            {
                FedPrograms.ScriptArgument(parser, command, command[i]); // a script file: its content is not ours to see.
                return false;
            }

            FedPrograms.DynamicBody(parser, command, command[i]);
            parser.ParseNested(command[i].Text, privileged);
            return true;
        }

        FedPrograms.FromStdin(parser, command); // no script and no -c body: the program is stdin (or xargs' arguments)
        return false;
    }

    private static bool TryExpandEval(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        if (scan[command[0].Text] is not "eval" || command.Length < 2)
        {
            return false;
        }

        var skip = scan[command[1].Text] is "--" ? 2 : 1;
        parser.ParseNested(JoinWords(scan, TextRange.None, command[skip..]), privileged);
        return true;
    }

    /// <summary><c>cd /etc &amp;&amp; echo x &gt; hosts</c> writes /etc/hosts: remember where cd went.</summary>
    private static void RecordDirectoryChange(ShellScan scan, ReadOnlySpan<ShellWord> command)
    {
        if (scan[command[0].Text] is not ("cd" or "pushd"))
        {
            return;
        }

        var i = 1;
        while (i < command.Length && scan[command[i].Text].StartsWith('-') && scan[command[i].Text] is not "-")
        {
            i++;
        }

        if (i >= command.Length)
        {
            scan.ChangedDirectories.Add(scan.Text.Append("~"));
        }
        else if (command[i].IsDynamic || scan[command[i].Text] is "-")
        {
            scan.HasDynamicDirectoryChange = true;
        }
        else
        {
            scan.ChangedDirectories.Add(command[i].Text);
        }
    }

    /// <summary><c>find ... -exec cmd {} ;</c> runs cmd: add it as a command too.</summary>
    private static void AddFindExec(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        if (BaseName(scan[command[0].Text]) is not "find")
        {
            return;
        }

        for (var i = 1; i < command.Length; i++)
        {
            if (scan[command[i].Text] is not ("-exec" or "-execdir" or "-ok" or "-okdir"))
            {
                continue;
            }

            var bodyStart = i + 1;
            for (i++; i < command.Length && scan[command[i].Text] is not (";" or "+"); i++)
            {
            }

            if (i > bodyStart)
            {
                Add(parser, command[bodyStart..i], privileged);
            }
        }
    }

    internal static ReadOnlySpan<char> BaseName(ReadOnlySpan<char> word)
    {
        var slash = word.LastIndexOf('/');
        return slash >= 0 && slash < word.Length - 1 ? word[(slash + 1)..] : word;
    }
}
