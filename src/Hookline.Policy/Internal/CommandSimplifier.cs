using System.Text.RegularExpressions;

namespace Hookline.Policy.Internal;

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
        "bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "fish", "busybox",
    };

    // Assignments that change what a command does (search path, preloaded code, shell start-up): allow rules must see them.
    private static readonly HashSet<string> DangerousVariables = new(StringComparer.Ordinal)
    {
        "PATH", "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "DYLD_INSERT_LIBRARIES", "DYLD_LIBRARY_PATH", "BASH_ENV", "ENV",
        "IFS", "PS4", "SHELLOPTS", "BASHOPTS", "PROMPT_COMMAND", "NODE_OPTIONS", "PYTHONPATH", "PYTHONSTARTUP", "PERL5OPT",
        "RUBYOPT", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_EXEC_PATH", "GIT_CONFIG_PARAMETERS", "JAVA_TOOL_OPTIONS",
    };

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=", RegexOptions.CultureInvariant)]
    private static partial Regex AssignmentRegex();

    public static void Add(ShellParser parser, List<ShellWord> words, ShellParse output, bool privileged)
    {
        var k = 0;
        while (k < words.Count && !words[k].IsDynamic && LeadingReservedWords.Contains(words[k].Text) && words[k].Raw == words[k].Text)
        {
            k++;
        }

        if (k < words.Count && words[k].Raw is "for" or "select" or "case" or "function" or "coproc" or "[[" or "((")
        {
            if (words[k].Raw is "for" or "select")
            {
                return; // a loop header runs nothing itself; substitutions in it were already collected.
            }

            if (words[k].Raw is "case" or "function" or "coproc")
            {
                parser.Fail($"'{words[k].Raw}' is not supported");
                return;
            }
        }

        while (true)
        {
            k = SkipAssignments(words, k, ref privileged);
            if (k >= words.Count)
            {
                return; // only assignments: nothing runs (substitutions in them were already collected).
            }

            if (words[k].IsDynamic)
            {
                break;
            }

            if (words[k].Raw is "{" or "!")
            {
                k++; // "nice { cmd; }" is a bash error, but stripping keeps the deny side conservative.
                continue;
            }

            var name = BaseName(words[k].Text);
            var next = SkipWrapper(name, words, k, parser, privileged || name is "sudo" or "doas", out var consumedAll);
            if (consumedAll)
            {
                return;
            }

            if (next == k)
            {
                break;
            }

            if (next >= words.Count)
            {
                break; // a bare wrapper ("sudo -s", "env"): keep it visible as a command of its own.
            }

            privileged |= name is "sudo" or "doas";

            k = next;
        }

        if (k >= words.Count)
        {
            return;
        }

        var command = words.GetRange(k, words.Count - k);
        if (TryExpandShell(parser, command, privileged) || TryExpandEval(parser, command, privileged))
        {
            return;
        }

        AddFindExec(parser, command, output, privileged);
        RecordDirectoryChange(command, output);
        output.Commands.Add(Build(command, privileged));
    }

    private static SubCommand Build(List<ShellWord> command, bool privileged)
    {
        var text = command.Count == 1 ? command[0].Text : JoinWords(command);
        string? baseNameText = null;
        var first = command[0].Text;
        var name = BaseName(first);
        var gitSubcommand = name == "git" ? SkipGitGlobalOptions(command) : 1;
        if (name.Length != first.Length || gitSubcommand > 1)
        {
            // The form deny/ask rules also see: "/usr/bin/git -C repo push" is "git push".
            var rest = command.GetRange(gitSubcommand, command.Count - gitSubcommand);
            rest.Insert(0, new ShellWord(name, name, false, false));
            baseNameText = JoinWords(rest);
        }

        return new SubCommand(text, baseNameText, privileged ? "sudo " + text : null, command[0].IsDynamic);
    }

    /// <summary>Index of git's subcommand after global options (<c>-C dir</c>, <c>-c k=v</c>, <c>--git-dir=x</c>, <c>--no-pager</c>, ...).</summary>
    private static int SkipGitGlobalOptions(List<ShellWord> command)
    {
        var i = 1;
        while (i < command.Count && command[i].Text.StartsWith('-'))
        {
            var w = command[i].Text;
            i += w is "-C" or "-c" or "--git-dir" or "--work-tree" or "--namespace" or "--config-env" or "--super-prefix" ? 2 : 1;
        }

        return Math.Min(i, command.Count);
    }

    private static string JoinWords(List<ShellWord> words)
    {
        var length = words.Count - 1;
        foreach (var w in words)
        {
            length += w.Text.Length;
        }

        return string.Create(length, words, static (span, ws) =>
        {
            var at = 0;
            for (var i = 0; i < ws.Count; i++)
            {
                if (i > 0)
                {
                    span[at++] = ' ';
                }

                ws[i].Text.AsSpan().CopyTo(span[at..]);
                at += ws[i].Text.Length;
            }
        });
    }

    private static int SkipAssignments(List<ShellWord> words, int k, ref bool privileged)
    {
        while (k < words.Count && words[k].Raw.Contains('=') && AssignmentRegex().IsMatch(words[k].Raw))
        {
            var name = words[k].Raw[..words[k].Raw.IndexOfAny(['=', '[', '+'])];
            privileged |= DangerousVariables.Contains(name);
            k++;
        }

        return k;
    }

    /// <summary>Returns the index after the wrapper and its options, or <paramref name="k"/> when the word is no wrapper.</summary>
    private static int SkipWrapper(string name, List<ShellWord> words, int k, ShellParser parser, bool privileged, out bool consumedAll)
    {
        consumedAll = false;
        var i = k + 1;
        switch (name)
        {
            case "timeout":
                i = SkipOptions(words, i, withArgument: "sk", longWithArgument: ["--signal", "--kill-after"]);
                return i < words.Count ? i + 1 : i; // the duration
            case "time":
                return SkipOptions(words, i, withArgument: "fo", longWithArgument: ["--format", "--output"]);
            case "nice":
                return SkipOptions(words, i, withArgument: "n", longWithArgument: ["--adjustment"]);
            case "nohup" or "builtin":
                return SkipOptions(words, i, withArgument: "", longWithArgument: []);
            case "stdbuf":
                return SkipOptions(words, i, withArgument: "ioe", longWithArgument: ["--input", "--output", "--error"]);
            case "command":
                // "command -v x" only prints where x is; it does not run it.
                return i < words.Count && words[i].Text is "-v" or "-V" ? k : SkipOptions(words, i, withArgument: "", longWithArgument: []);
            case "exec":
                return SkipOptions(words, i, withArgument: "a", longWithArgument: []);
            case "xargs":
                return SkipOptions(words, i, withArgument: "IadEeLlnPs", longWithArgument: ["--arg-file", "--delimiter", "--eof", "--replace", "--max-lines", "--max-args", "--max-procs", "--max-chars", "--process-slot-var"], optionalArgument: "ieLl");
            case "sudo":
                return SkipOptions(words, i, withArgument: "ugCDhprtUTR", longWithArgument: ["--user", "--group", "--close-from", "--chdir", "--host", "--prompt", "--role", "--type", "--other-user", "--command-timeout", "--chroot"]);
            case "doas":
                return SkipOptions(words, i, withArgument: "uC", longWithArgument: []);
            case "env":
                for (; i < words.Count; i++)
                {
                    var w = words[i].Text;
                    if (w is "-S" or "--split-string" || w.StartsWith("--split-string=", StringComparison.Ordinal) || (w.StartsWith("-S", StringComparison.Ordinal) && w.Length > 2))
                    {
                        // env -S "cmd args": the string is split into a command line.
                        var body = w is "-S" or "--split-string" ? (i + 1 < words.Count ? words[++i].Text : "") : w.StartsWith("-S", StringComparison.Ordinal) ? w[2..] : w[(w.IndexOf('=') + 1)..];
                        var rest = string.Join(' ', words.Skip(i + 1).Select(x => x.Text));
                        parser.ParseNested(body + " " + rest, privileged);
                        consumedAll = true;
                        return words.Count;
                    }

                    if (w is "-u" or "-C" or "--unset" or "--chdir")
                    {
                        i++;
                        continue;
                    }

                    if (w == "--")
                    {
                        return i + 1;
                    }

                    if (!w.StartsWith('-') || w == "-")
                    {
                        if (w == "-")
                        {
                            continue;
                        }

                        return i;
                    }
                }

                return i;
            default:
                return k;
        }
    }

    /// <summary>Skips option words: short clusters (<c>-n 5</c>, <c>-n5</c>, <c>-oL</c>, <c>-15</c>), long ones (<c>--x=y</c>, <c>--x y</c>) and <c>--</c>.</summary>
    private static int SkipOptions(List<ShellWord> words, int i, string withArgument, string[] longWithArgument, string optionalArgument = "")
    {
        while (i < words.Count)
        {
            var w = words[i].Text;
            if (w == "--")
            {
                return i + 1;
            }

            if (w.Length < 2 || w[0] != '-')
            {
                return i;
            }

            if (w.StartsWith("--", StringComparison.Ordinal))
            {
                i += !w.Contains('=') && longWithArgument.Contains(w) ? 2 : 1;
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

    private static bool TryExpandShell(ShellParser parser, List<ShellWord> command, bool privileged)
    {
        var name = BaseName(command[0].Text);
        if (!Shells.Contains(name))
        {
            return false;
        }

        var i = 1;
        if (name == "busybox")
        {
            if (command.Count < 2 || !Shells.Contains(BaseName(command[1].Text)))
            {
                return false;
            }

            i = 2;
        }

        var sawC = false;
        for (; i < command.Count; i++)
        {
            var w = command[i].Text;
            if (w is "-o" or "+o" or "-O" or "+O" or "--rcfile" or "--init-file")
            {
                i++;
                continue;
            }

            if (w == "--")
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
                return false; // a script file: its content is not ours to see.
            }

            parser.ParseNested(w, privileged);
            return true;
        }

        return false;
    }

    private static bool TryExpandEval(ShellParser parser, List<ShellWord> command, bool privileged)
    {
        if (command[0].Text != "eval" || command.Count < 2)
        {
            return false;
        }

        var skip = command[1].Text == "--" ? 2 : 1;
        parser.ParseNested(string.Join(' ', command.Skip(skip).Select(w => w.Text)), privileged);
        return true;
    }

    /// <summary><c>cd /etc &amp;&amp; echo x &gt; hosts</c> writes /etc/hosts: remember where cd went.</summary>
    private static void RecordDirectoryChange(List<ShellWord> command, ShellParse output)
    {
        if (command[0].Text is not ("cd" or "pushd"))
        {
            return;
        }

        var i = 1;
        while (i < command.Count && command[i].Text.StartsWith('-') && command[i].Text != "-")
        {
            i++;
        }

        if (i >= command.Count)
        {
            output.ChangedDirectories.Add("~");
        }
        else if (command[i].IsDynamic || command[i].Text == "-")
        {
            output.HasDynamicDirectoryChange = true;
        }
        else
        {
            output.ChangedDirectories.Add(command[i].Text);
        }
    }

    /// <summary><c>find ... -exec cmd {} ;</c> runs cmd: add it as a command too.</summary>
    private static void AddFindExec(ShellParser parser, List<ShellWord> command, ShellParse output, bool privileged)
    {
        if (BaseName(command[0].Text) != "find")
        {
            return;
        }

        for (var i = 1; i < command.Count; i++)
        {
            if (command[i].Text is not ("-exec" or "-execdir" or "-ok" or "-okdir"))
            {
                continue;
            }

            var body = new List<ShellWord>();
            for (i++; i < command.Count && command[i].Text is not (";" or "+"); i++)
            {
                body.Add(command[i]);
            }

            if (body.Count > 0)
            {
                Add(parser, body, output, privileged);
            }
        }
    }

    internal static string BaseName(string word)
    {
        var slash = word.LastIndexOf('/');
        return slash >= 0 && slash < word.Length - 1 ? word[(slash + 1)..] : word;
    }
}
