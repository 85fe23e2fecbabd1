using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// ssh's (and scp's, sftp's) options whose value is a local shell command line: <c>-o ProxyCommand=CMD</c>,
/// <c>-oLocalCommand=CMD</c>, <c>KnownHostsCommand</c>, <c>RemoteCommand</c>. The command is parsed and matched; a
/// config file (<c>-F FILE</c>) can hold any of them, unseen, so it asks.
/// </summary>
internal static class SshOptions
{
    private static readonly string[] ArgumentOptions = ["-B", "-b", "-c", "-D", "-E", "-e", "-I", "-i", "-J", "-L", "-l", "-m", "-O", "-P", "-p", "-Q", "-R", "-S", "-W", "-w"];
    private static readonly string[] CommandKeys = ["proxycommand", "localcommand", "knownhostscommand", "remotecommand"];

    public static void Inspect(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        // Options come before the host; a remote command's words ("grep -F x") are not ssh's.
        for (var i = 1; i < command.Length && scan[command[i].Text] is ['-', _, ..] w; i++)
        {
            if (w is "--")
            {
                return;
            }

            if (w is "-o" && i + 1 < command.Length)
            {
                Option(parser, command[++i], 0, privileged);
            }
            else if (w.StartsWith("-o", StringComparison.Ordinal) && w.Length > 2)
            {
                Option(parser, command[i], 2, privileged);
            }
            else if (w.StartsWith("-F", StringComparison.Ordinal))
            {
                var file = w.Length > 2 ? w[2..] : i + 1 < command.Length ? scan[command[++i].Text] : [];
                if (file is not ("/dev/null" or "none"))
                {
                    scan.Raise(ReasonCodes.ChangesWhatRuns, $"ssh reads its configuration from '{file.ToString()}', which can name commands to run", command[i].Text);
                }
            }
            else if (w.Length == 2 && CommandSimplifier.IsOneOf(w, ArgumentOptions))
            {
                i++;
            }
        }
    }

    /// <summary>One <c>KEY=VALUE</c> or <c>KEY VALUE</c> option starting at <paramref name="from"/> in the word's value.</summary>
    private static void Option(ShellParser parser, ShellWord word, int from, bool privileged)
    {
        var scan = parser.Output;
        var text = scan[word.Text][from..];
        var split = text.IndexOfAny('=', ' ', '\t');
        if (split <= 0)
        {
            return;
        }

        Span<char> lower = stackalloc char[Math.Min(split, 32)];
        var key = lower[..text[..lower.Length].ToLowerInvariant(lower)];
        if (!CommandSimplifier.IsOneOf(key, CommandKeys) || split > lower.Length)
        {
            return;
        }

        var value = split + 1;
        while (value < text.Length && text[value] is ' ' or '\t' or '=')
        {
            value++;
        }

        FedPrograms.DynamicBody(parser, [word], word);
        parser.ParseNested(RunnerText.After(word, from + value), privileged);
    }
}
