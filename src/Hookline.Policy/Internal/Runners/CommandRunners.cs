using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// Command runners the shell does not know: wrappers that run the rest of their words (<see cref="RunnerGrammar"/>),
/// runners that hand a string to a shell (<c>su -c</c>, <c>watch</c>, <c>ssh HOST CMD</c>, <c>flock -c</c>, ...), and
/// commands with an option that runs a program (<c>git rebase -x</c>, <c>tar --checkpoint-action=exec=</c>, sed's e).
/// </summary>
internal static class CommandRunners
{
    private static readonly string[] FlockLong = ["--timeout", "--wait", "--conflict-exit-code"];
    private static readonly string[] WatchLong = ["--interval", "--equexit"];
    private static readonly string[] SshShort = ["-B", "-b", "-c", "-D", "-E", "-e", "-F", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-o", "-P", "-p", "-Q", "-R", "-S", "-W", "-w"];
    private static readonly string[] ParallelLong =
    [
        "--jobs", "--sshlogin", "--arg-file", "--delimiter", "--colsep", "--max-args", "--max-replace-args", "--max-lines", "--timeout", "--joblog",
        "--results", "--tmpdir", "--workdir", "--env", "--basefile", "--return", "--halt", "--delay", "--retries", "--load", "--memfree",
        "--tagstring", "--header", "--limit", "--sshloginfile", "--replace",
    ];

    private static readonly Dictionary<string, RunnerGrammar>.AlternateLookup<ReadOnlySpan<char>> WrapperLookup = RunnerGrammar.Wrappers.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly NameFilter WrapperFilter = new(RunnerGrammar.Wrappers.Keys);

    public static bool IsPrivileged(ReadOnlySpan<char> name) =>
        name is "su" or "runuser" or "pkexec" or "run0" || (WrapperFilter.MayContain(name) && WrapperLookup.TryGetValue(name, out var grammar) && grammar.Privileged);

    /// <summary>
    /// For a runner at <paramref name="k"/>: the index of the command it runs, or <paramref name="k"/> when the word is
    /// no runner; <paramref name="consumedAll"/> when the runner's command was a string, parsed here.
    /// </summary>
    public static int Skip(ReadOnlySpan<char> name, ReadOnlySpan<ShellWord> words, int k, ShellParser parser, bool privileged, out bool consumedAll)
    {
        var scan = parser.Output;
        consumedAll = false;
        privileged |= name is "su" or "runuser";
        if (WrapperFilter.MayContain(name) && WrapperLookup.TryGetValue(name, out var grammar))
        {
            var i = CommandSimplifier.SkipOptions(scan, words, k + 1, grammar.Short, grammar.Long);
            i = Math.Min(i + grammar.Operands, words.Length);
            return grammar.OptionsAfterOperands ? CommandSimplifier.SkipOptions(scan, words, i, grammar.Short, grammar.Long) : i;
        }

        switch (name)
        {
            case "su" or "runuser" or "script" or "sg":
                {
                    // su [-] [USER] -c CMD; runuser -u USER CMD; script -c CMD [FILE]; sg GROUP [-c] CMD.
                    // su also runs --session-command CMD; GNU getopt takes unique prefixes (--comm, --sess).
                    if ((CommandOption(scan, words, k + 1, "-c", "--command", stopAtOperand: false, shortestAbbreviation: 3)
                        ?? (name is "su" ? CommandOption(scan, words, k + 1, "-c", "--session-command", stopAtOperand: false, shortestAbbreviation: 4) : null)) is { } body)
                    {
                        Parse(parser, words[k..], body, privileged);
                        consumedAll = true;
                        return words.Length;
                    }

                    if (name is "runuser" && HasOption(scan, words, k + 1, "-u", "--user"))
                    {
                        return CommandSimplifier.SkipOptions(scan, words, k + 1, "ugGws", ["--user", "--group", "--supp-group", "--shell", "--whitelist-environment"]);
                    }

                    if (name is "sg" && words.Length > k + 2)
                    {
                        parser.ParseNested(RunnerText.JoinValues(scan, words[(k + 2)..]), privileged);
                        consumedAll = true;
                        return words.Length;
                    }

                    return k;
                }

            case "flock":
                {
                    // flock [OPTIONS] FILE|FD [-c] CMD...: options stop at the first operand.
                    var i = CommandSimplifier.SkipOptions(scan, words, k + 1, "wE", FlockLong);
                    var stringCommand = HasOption(scan, words[..i], k + 1, "-c", "--command");
                    if (i + 1 >= words.Length)
                    {
                        return i; // "flock FD": no command
                    }

                    i++;
                    if (scan[words[i].Text] is "-c" || IsAbbreviation(scan[words[i].Text], "--command", 5))
                    {
                        stringCommand = true;
                        i++;
                    }

                    if (stringCommand && i < words.Length)
                    {
                        parser.ParseNested(words[i].Text, privileged);
                        consumedAll = true;
                        return words.Length;
                    }

                    return i;
                }

            case "watch":
                {
                    // watch runs its words through "sh -c", joined by spaces, unless -x/--exec.
                    var i = CommandSimplifier.SkipOptions(scan, words, k + 1, "nq", WatchLong);
                    if (i >= words.Length || HasOption(scan, words[..i], k + 1, "-x", "--exec"))
                    {
                        return i;
                    }

                    parser.ParseNested(RunnerText.JoinValues(scan, words[i..]), privileged);
                    consumedAll = true;
                    return words.Length;
                }

            case "parallel":
                consumedAll = true;
                Parallel(parser, words[k..], privileged);
                return words.Length;
            default:
                return k;
        }
    }

    /// <summary>
    /// A command that stays a command of its own but also runs others: adds those. True when the command itself is
    /// fully replaced (an exec-path git binary, <c>npx -c</c>).
    /// </summary>
    public static bool Inspect(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        var name = CommandSimplifier.BaseName(scan[command[0].Text]);
        BoundNameUse.Expand(parser, command, privileged);
        if (Words.SubscriptNames.TakesNames(name))
        {
            Words.SubscriptNames.Inspect(parser, command);
        }

        switch (name)
        {
            case "git":
                return GitRunners.Inspect(parser, command, privileged);
            case ['g', 'i', 't', '-', _, ..]:
                // /usr/lib/git-core/git-push is "git push".
                parser.ParseNested(RunnerText.JoinRaw(scan, $"git {name[4..]}", command[1..]), privileged);
                return true;
            case "ssh":
                Ssh(parser, command, privileged);
                return false;
            case "scp" or "sftp":
                SshOptions.Inspect(parser, command, privileged);
                return false;
            case "su" or "runuser" or "script" or "sudo" or "doas" or "crontab" or "at" or "batch":
                StdinReaders.Inspect(parser, command, name, privileged);
                return false;
            case "trap":
                Trap(parser, command, privileged);
                return false;
            case "sed" or "gsed":
                SedScript.Inspect(parser, command);
                return false;
            case "tar" or "gtar" or "bsdtar" or "rsync":
                ProgramOptions(parser, command, privileged);
                return false;
            case "source" or ".":
                if (command.Length > 1)
                {
                    FedPrograms.ScriptArgument(parser, command, command[1]);
                }

                return false;
            case "alias" or "hash":
                BoundNameUse.Record(parser, command, privileged);
                return false;
            case "export" or "declare" or "typeset" or "readonly" or "local":
                RunConfig.CheckDeclaration(scan, command);
                return false;
            case "tsc-watch" or "nodemon" or "concurrently":
                ScriptWatchers.Inspect(parser, command, privileged);
                return false;
            case "npm" or "pnpm" or "yarn" or "npx" or "bun" or "bunx":
                RunConfig.CheckPackageManager(scan, command);
                ScriptWatchers.InspectPackage(parser, command, privileged);
                if (name is "npx" || (command.Length > 1 && scan[command[1].Text] is "exec" or "x"))
                {
                    var from = name is "npx" ? 1 : 2;
                    if (CommandOption(scan, command, from, "-c", "--call", stopAtOperand: true) is { } body)
                    {
                        Parse(parser, command, body, privileged);
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    private static void Ssh(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        SshOptions.Inspect(parser, command, privileged);
        var i = 1;
        while (i < command.Length && scan[command[i].Text] is ['-', _, ..] option)
        {
            i += option is "--" ? 1 : option.Length == 2 && CommandSimplifier.IsOneOf(option, SshShort) ? 2 : 1;
            if (option is "--")
            {
                break;
            }
        }

        if (i + 1 < command.Length)
        {
            // ssh HOST CMD...: the remote shell runs the words joined by spaces.
            parser.ParseNested(RunnerText.JoinValues(scan, command[(i + 1)..]), privileged);
        }
        else if (i < command.Length)
        {
            FedPrograms.FromStdin(parser, command); // "... | ssh HOST": the remote shell reads the pipe
        }
    }

    private static void Trap(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        var i = 1;
        while (i < command.Length && scan[command[i].Text] is "-l" or "-p" or "--" or "-lp")
        {
            i++;
        }

        if (i + 1 < command.Length && scan[command[i].Text] is not ("-" or ""))
        {
            parser.ParseNested(command[i].Text, privileged); // trap 'CMD' SIGNAL: CMD runs when the signal comes
        }
    }

    /// <summary>tar's and rsync's options that name a program or a shell command.</summary>
    private static void ProgramOptions(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        ReadOnlySpan<string> withEquals = ["--checkpoint-action=exec=", "--to-command=", "--use-compress-program=", "--info-script=", "--new-volume-script=", "--rsh-command=", "--rsh=", "--rsync-path="];
        for (var i = 1; i < command.Length; i++)
        {
            var w = scan[command[i].Text];
            foreach (var prefix in withEquals)
            {
                if (w.StartsWith(prefix, StringComparison.Ordinal))
                {
                    parser.ParseNested(RunnerText.After(command[i], prefix.Length), privileged);
                }
            }

            if (i + 1 < command.Length && w is "--to-command" or "--use-compress-program" or "-I" or "-F" or "--info-script" or "--rsh" or "-e" or "--rsync-path")
            {
                parser.ParseNested(command[++i].Text, privileged);
            }
        }
    }

    private static void Parallel(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        var i = CommandSimplifier.SkipOptions(scan, command, 1, "jPSadECnNLsI", ParallelLong);
        var end = i;
        while (end < command.Length && scan[command[end].Text] is not (":::" or "::::" or ":::+" or "::::+"))
        {
            end++;
        }

        if (end > i)
        {
            // The command template, with the arguments appended: run through a shell.
            parser.ParseNested(RunnerText.JoinValues(scan, command[i..]), privileged);
            return;
        }

        if (end < command.Length && scan[command[end].Text] is ":::")
        {
            for (var j = end + 1; j < command.Length && scan[command[j].Text] is not (":::" or "::::"); j++)
            {
                parser.ParseNested(command[j].Text, privileged); // parallel ::: CMD1 CMD2: each argument is a command
            }

            return;
        }

        FedPrograms.FromStdin(parser, command); // commands read from stdin, one a line
    }

    /// <summary>The word after <c>-c</c> (or <c>--command CMD</c>, <c>--command=CMD</c>, <c>-cCMD</c>) among the words from <paramref name="from"/>.</summary>
    /// <remarks>With <paramref name="shortestAbbreviation"/> a unique prefix of the long name counts too (GNU getopt: <c>su --comm</c>).</remarks>
    internal static ShellWord? CommandOption(ShellScan scan, ReadOnlySpan<ShellWord> words, int from, string shortName, string longName, bool stopAtOperand, int shortestAbbreviation = 0)
    {
        for (var i = from; i < words.Length; i++)
        {
            var w = scan[words[i].Text];
            if (w is "--" || (stopAtOperand && !w.StartsWith('-')))
            {
                return null;
            }

            var eq = w.IndexOf('=');
            var spelled = eq < 0 ? w : w[..eq];
            var isLong = spelled.SequenceEqual(longName)
                || (shortestAbbreviation > 0 && IsAbbreviation(spelled, longName, shortestAbbreviation));
            if ((w.SequenceEqual(shortName) || (isLong && eq < 0)) && i + 1 < words.Length)
            {
                return words[i + 1];
            }

            if (isLong && eq > 0)
            {
                return new ShellWord(RunnerText.After(words[i], eq + 1), words[i].Raw, words[i].HasExpansion, words[i].HasGlob);
            }

            if (w.Length > 2 && w[0] == '-' && w[1] != '-' && w[^1] == shortName[1] && !w[1..^1].Contains(shortName[1]) && i + 1 < words.Length)
            {
                return words[i + 1]; // a cluster ending in the letter: script -qc CMD
            }

            if (w.StartsWith(shortName, StringComparison.Ordinal) && w.Length > 2 && !w.StartsWith("--", StringComparison.Ordinal))
            {
                return new ShellWord(RunnerText.After(words[i], 2), words[i].Raw, words[i].HasExpansion, words[i].HasGlob);
            }
        }

        return null;
    }

    /// <summary>A GNU long option spelled in full or by a prefix of at least <paramref name="shortest"/> characters.</summary>
    internal static bool IsAbbreviation(ReadOnlySpan<char> word, string longName, int shortest) =>
        word.Length >= shortest && !word.Contains('=') && RunnerGrammar.IsLongOption(word, longName);

    private static bool HasOption(ShellScan scan, ReadOnlySpan<ShellWord> words, int from, string shortName, string longName)
    {
        for (var i = from; i < words.Length; i++)
        {
            var w = scan[words[i].Text];
            if (w.SequenceEqual(shortName) || RunnerGrammar.IsLongOption(w, longName))
            {
                return true;
            }

            // A short cluster (-fc) holds the letter too.
            if (w.Length > 2 && w[0] == '-' && w[1] != '-' && w.Contains(shortName[1]))
            {
                return true;
            }
        }

        return false;
    }

    private static void Parse(ShellParser parser, ReadOnlySpan<ShellWord> runner, ShellWord body, bool privileged)
    {
        FedPrograms.DynamicBody(parser, runner, body);
        parser.ParseNested(body.Text, privileged);
    }
}
