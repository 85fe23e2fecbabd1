using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// Programs git runs to talk to a remote: <c>--upload-pack=CMD</c>, <c>clone -u CMD</c>, <c>--receive-pack=CMD</c>,
/// <c>archive --exec=CMD</c> (each a shell command line, run locally for a local or ssh remote) and <c>ext::CMD</c>
/// URLs (a command git runs when protocol.ext.allow lets it). Each is parsed and matched.
/// </summary>
internal static class GitTransports
{
    private static readonly string[] ProgramOptions = ["--upload-pack", "--receive-pack", "--exec"];

    public static void Inspect(ShellParser parser, ReadOnlySpan<char> sub, ReadOnlySpan<ShellWord> command, ReadOnlySpan<ShellWord> rest, bool privileged)
    {
        var scan = parser.Output;
        if (sub is "ls-remote" or "fetch" or "pull" or "clone" or "push" or "archive" or "fetch-pack" or "send-pack")
        {
            for (var j = 0; j < rest.Length; j++)
            {
                var w = scan[rest[j].Text];
                if (w is "--")
                {
                    break;
                }

                var eq = w.IndexOf('=');
                var spelled = eq < 0 ? w : w[..eq];
                if (w is "-u" && sub is "clone" or "ls-remote" && j + 1 < rest.Length)
                {
                    Parse(parser, rest[++j], privileged);
                }
                else if (IsProgramOption(spelled))
                {
                    if (eq > 0)
                    {
                        Parse(parser, new ShellWord(RunnerText.After(rest[j], eq + 1), rest[j].Raw, rest[j].HasExpansion, rest[j].HasGlob), privileged);
                    }
                    else if (j + 1 < rest.Length)
                    {
                        Parse(parser, rest[++j], privileged);
                    }
                }
            }
        }

        foreach (var word in command)
        {
            var at = scan[word.Text].IndexOf("ext::", StringComparison.Ordinal);
            if (at >= 0)
            {
                ExtCommand(parser, scan[word.Text][(at + "ext::".Length)..], privileged);
            }
        }
    }

    /// <summary>git's ext:: command: words split at spaces, "% " a literal space, "%%" a percent; run without a shell.</summary>
    private static void ExtCommand(ShellParser parser, ReadOnlySpan<char> spec, bool privileged)
    {
        var text = parser.Output.Text;
        var start = text.Length;
        text.Append('\'');
        for (var i = 0; i < spec.Length; i++)
        {
            var c = spec[i];
            if (c == '%' && i + 1 < spec.Length)
            {
                c = spec[++i] is 's' or 'S' ? 'x' : spec[i];
            }
            else if (c == ' ')
            {
                text.Append("' '");
                continue;
            }

            if (c == '\'')
            {
                text.Append("'\\''");
                continue;
            }

            text.Append(c);
        }

        text.Append('\'');
        parser.ParseNested(text.From(start), privileged);
    }

    private static void Parse(ShellParser parser, ShellWord program, bool privileged)
    {
        FedPrograms.DynamicBody(parser, [program], program);
        parser.ParseNested(program.Text, privileged);
    }

    private static bool IsProgramOption(ReadOnlySpan<char> spelled)
    {
        foreach (var option in ProgramOptions)
        {
            if (CommandRunners.IsAbbreviation(spelled, option, 5))
            {
                return true;
            }
        }

        return false;
    }
}
