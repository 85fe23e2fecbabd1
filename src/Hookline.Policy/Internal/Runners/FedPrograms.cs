using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// A shell (or <c>source</c>, <c>.</c>, <c>ssh HOST</c>, <c>parallel</c>) that reads its program from somewhere other
/// than <c>-c</c>: stdin from a pipe, a heredoc or a here-string, a script file, <c>&lt;( )</c>. A literal program is
/// parsed like a <c>bash -c</c> body; one the engine cannot see (a download, a file, a variable) raises a concern.
/// </summary>
internal static class FedPrograms
{
    private static readonly HashSet<string> Downloaders = new(StringComparer.Ordinal)
    {
        "curl", "wget", "fetch", "aria2c", "http", "https", "xh", "lwp-request", "GET", "lynx", "links", "w3m", "nc", "ncat", "socat", "ftp", "tftp",
    };

    // Filters that pass their input on unchanged: what they print is what they were fed.
    private static readonly HashSet<string> PassThrough = new(StringComparer.Ordinal) { "tee", "cat", "pv", "dd", "buffer", "mbuffer" };

    // Filters that change their input: a download stays a download, but a literal is no longer what it says.
    private static readonly HashSet<string> Transforms = new(StringComparer.Ordinal)
    {
        "gunzip", "zcat", "gzip", "xz", "unxz", "bzip2", "bunzip2", "zstd", "base64", "tr", "head", "tail", "rev", "sed", "awk", "openssl", "gpg",
    };

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> DownloaderLookup = Downloaders.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> PassThroughLookup = PassThrough.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> TransformLookup = Transforms.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary><c>bash FILE</c>, <c>source FILE</c>: the program is the file's content (or a process substitution's output).</summary>
    public static void ScriptArgument(ShellParser parser, ReadOnlySpan<ShellWord> command, ShellWord script)
    {
        var scan = parser.Output;
        var raw = scan[script.Raw];
        if (raw.StartsWith("<(", StringComparison.Ordinal))
        {
            // bash <(curl URL): the inner commands were already read; what they print is the program.
            var inner = new TextRange(script.Raw.Start + 2, Math.Max(0, script.Raw.Length - 3));
            FromProducerText(parser, command, inner);
            return;
        }

        var value = scan[script.Text];
        if (value is "/dev/stdin" or "-" or "/proc/self/fd/0" or "/dev/fd/0")
        {
            FromStdin(parser, command);
            return;
        }

        if (IsWellKnownEnvironmentScript(value))
        {
            return;
        }

        scan.Raise(ReasonCodes.OpaqueProgram, $"the shell runs the script '{value.ToString()}', whose content the engine cannot see", script.Raw);
    }

    /// <summary>
    /// A shell with neither <c>-c</c> nor a script: its program is its standard input. With <paramref name="cronTable"/>
    /// stdin is a crontab (<c>crontab -</c>): each job line's command is parsed after its schedule. With
    /// <paramref name="privileged"/> the program runs as another user (<c>su</c>, <c>sudo -s</c>).
    /// </summary>
    public static void FromStdin(ShellParser parser, ReadOnlySpan<ShellWord> command, bool cronTable = false, bool privileged = false)
    {
        var scan = parser.Output;
        var stdin = parser.Stdin;
        switch (stdin.Kind)
        {
            case StdinKind.Pipe:
                FromPipe(parser, command, stdin.Index, cronTable, privileged);
                break;
            case StdinKind.HereString when stdin.Word.IsDynamic:
                FromProducerText(parser, command, stdin.Word.Raw);
                break;
            case StdinKind.HereString:
                ParseProgram(parser, stdin.Word.Text, cronTable, privileged);
                break;
            case StdinKind.Heredoc when cronTable:
                scan.Raise(ReasonCodes.OpaqueProgram, "a heredoc is installed as cron jobs, which the engine does not read as commands", command[0].Raw);
                break;
            case StdinKind.Heredoc:
                parser.MarkHeredocAsProgram(stdin.Index);
                break;
            case StdinKind.File when scan[stdin.Word.Text] is not "/dev/null":
                scan.Raise(ReasonCodes.OpaqueProgram, $"the shell reads its program from '{scan[stdin.Word.Text].ToString()}', whose content the engine cannot see", stdin.Word.Raw);
                break;
        }
    }

    /// <summary><c>bash -c "$(curl URL)"</c>: a body only known at run time that comes from a download.</summary>
    public static void DynamicBody(ShellParser parser, ReadOnlySpan<ShellWord> command, ShellWord body)
    {
        var scan = parser.Output;
        if (body.IsDynamic && MentionsDownloader(scan[body.Raw]))
        {
            FromProducerText(parser, command, body.Raw);
        }
        else if (scan[body.Text].TrimStart().StartsWith("{}", StringComparison.Ordinal))
        {
            // xargs -I{} sh -c '{}': the program is whatever xargs (or find, parallel) puts in its place.
            scan.Raise(ReasonCodes.OpaqueProgram, "the shell runs text substituted at run time ('{}'), which the engine cannot see", body.Raw);
        }
    }

    private static void FromPipe(ShellParser parser, ReadOnlySpan<ShellWord> command, int partsBase, bool cronTable, bool privileged)
    {
        var scan = parser.Output;
        var transformed = false;
        for (var p = scan.PipelineParts.Count - 1; p >= partsBase; p--)
        {
            var index = scan.PipelineParts[p];
            if (index < 0)
            {
                scan.Raise(ReasonCodes.OpaqueProgram, "the shell runs the output of a compound command, which the engine cannot see", command[0].Raw);
                return;
            }

            var producer = scan.Commands[index];
            var words = scan.WordsOf(producer);
            var name = CommandSimplifier.BaseName(scan[words[0].Text]);
            if (DownloaderLookup.Contains(name))
            {
                scan.Raise(ReasonCodes.DownloadToShell, $"a download is run as a program: {scan[producer.Text].ToString()} | {scan[command[0].Text].ToString()}", producer.Text);
                return;
            }

            if (!transformed && name is "echo" or "printf" && LiteralOutput(scan, words) is { HasValue: true } program)
            {
                ParseProgram(parser, program, cronTable, privileged);
                return;
            }

            if (TransformLookup.Contains(name))
            {
                transformed = true;
                continue;
            }

            if (!PassesInputOn(scan, name, words))
            {
                scan.Raise(ReasonCodes.OpaqueProgram, $"the shell runs the output of '{scan[producer.Text].ToString()}', which the engine cannot see", producer.Text);
                return;
            }
        }

        // Only filters before the shell ("cat < x.sh | sh"): what they were fed is not known here.
        scan.Raise(ReasonCodes.OpaqueProgram, "the shell runs the input of a pipeline, which the engine cannot see", command[0].Raw);
    }

    private static void ParseProgram(ShellParser parser, TextRange program, bool cronTable, bool privileged)
    {
        if (cronTable)
        {
            CronTable.ParseJobs(parser, program, privileged);
        }
        else
        {
            parser.ParseNested(program, parser.Privileged || privileged);
        }
    }

    /// <summary>The program is the output of commands given as text (a process substitution, a <c>$( )</c>).</summary>
    private static void FromProducerText(ShellParser parser, ReadOnlySpan<ShellWord> command, TextRange producer)
    {
        var scan = parser.Output;
        var text = scan[producer];
        if (MentionsDownloader(text))
        {
            // Also as a pipeline, so "Bash(curl * | sh*)" matches "sh <(curl URL)" and "sh -c "$(curl URL)"".
            var start = scan.Text.Length;
            scan.Text.Append(text.Trim().TrimStart("\"$(").TrimEnd(")\"").Trim('`'));
            scan.Text.Append(" | ");
            scan.Text.Append(CommandSimplifier.BaseName(scan[command[0].Text]));
            scan.Pipelines.Add(scan.Text.From(start));
            scan.Raise(ReasonCodes.DownloadToShell, $"a download is run as a program: {text.ToString()}", producer);
            return;
        }

        scan.Raise(ReasonCodes.OpaqueProgram, $"the shell runs the output of {text.ToString()}, which the engine cannot see", producer);
    }

    private static bool MentionsDownloader(ReadOnlySpan<char> text)
    {
        foreach (var name in Downloaders)
        {
            var at = text.IndexOf(name, StringComparison.Ordinal);
            if (at >= 0 && (at == 0 || !char.IsAsciiLetterOrDigit(text[at - 1])) && (at + name.Length == text.Length || !char.IsAsciiLetterOrDigit(text[at + name.Length])))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What <c>echo WORDS</c> or <c>printf FORMAT</c> prints, when that is plain literal text; else None.</summary>
    internal static TextRange LiteralOutput(ShellScan scan, ReadOnlySpan<ShellWord> words)
    {
        foreach (var word in words)
        {
            if (word.IsDynamic)
            {
                return TextRange.None;
            }
        }

        var name = CommandSimplifier.BaseName(scan[words[0].Text]);
        var i = 1;
        if (name is "echo")
        {
            var escapes = false;
            for (; i < words.Length && scan[words[i].Text] is ['-', ..] option && option.Length > 1 && !option[1..].ContainsAnyExcept("neE"); i++)
            {
                escapes |= option.Contains('e');
            }

            var joined = RunnerText.JoinValues(scan, words[i..]);
            return escapes && scan[joined].Contains('\\') ? TextRange.None : joined;
        }

        // printf FORMAT [ARGS]: plain text, or "%s\n"-style formats of literal arguments.
        if (words.Length < 2)
        {
            return TextRange.None;
        }

        var format = scan[words[1].Text];
        var start = scan.Text.Length;
        if (words.Length == 2 && !format.Contains('%'))
        {
            AppendUnescaped(scan.Text, format);
        }
        else if (format is "%s" or "%s\\n" or "%s\\n\\n" or "%s\\0")
        {
            for (var j = 2; j < words.Length; j++)
            {
                scan.Text.Append(scan[words[j].Text]);
                scan.Text.Append('\n');
            }
        }
        else
        {
            return TextRange.None;
        }

        var result = scan.Text.From(start);
        return scan[result].Contains('\\') ? TextRange.None : result;
    }

    private static void AppendUnescaped(TextArena text, ReadOnlySpan<char> format)
    {
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] == '\\' && i + 1 < format.Length && format[i + 1] is 'n' or 't')
            {
                text.Append(format[++i] == 'n' ? '\n' : ' ');
                continue;
            }

            text.Append(format[i]);
        }
    }

    private static bool PassesInputOn(ShellScan scan, ReadOnlySpan<char> name, ReadOnlySpan<ShellWord> words)
    {
        if (!PassThroughLookup.Contains(name))
        {
            return false;
        }

        // "cat FILE" and "dd if=FILE" print a file, not their input.
        for (var i = 1; i < words.Length; i++)
        {
            var w = scan[words[i].Text];
            if ((name is "cat" && !w.StartsWith('-')) || (name is "dd" && (w.StartsWith("if=", StringComparison.Ordinal) || w.StartsWith("conv=", StringComparison.Ordinal))))
            {
                return false;
            }
        }

        return true;
    }

    // Scripts whose only job is to set up the environment of the shell that sources them: asking for each would be noise.
    private static bool IsWellKnownEnvironmentScript(ReadOnlySpan<char> path) =>
        path.EndsWith("/bin/activate", StringComparison.Ordinal) || path is "~/.cargo/env" or "$HOME/.cargo/env" or "~/.nvm/nvm.sh" or "$NVM_DIR/nvm.sh";
}
