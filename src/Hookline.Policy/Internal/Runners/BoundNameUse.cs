using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// <c>alias NAME=VALUE</c> and <c>hash -p PATH NAME</c> bind a name for the rest of the command line (and, in a
/// persistent shell, for later calls): the value is read as commands when bound, and again with the arguments of each use.
/// </summary>
internal static class BoundNameUse
{
    public static void Record(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        if (scan[command[0].Text] is "hash")
        {
            // hash -p PATH NAME: NAME runs PATH.
            for (var i = 1; i + 2 < command.Length; i++)
            {
                if (scan[command[i].Text] is "-p" && i + 2 < command.Length)
                {
                    scan.Bound.Add(command[i + 2].Text, command[i + 1].Raw, git: false);
                    return;
                }
            }

            return;
        }

        for (var i = 1; i < command.Length; i++)
        {
            var text = scan[command[i].Text];
            var eq = text.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }

            var value = RunnerText.After(command[i], eq + 1);
            scan.Bound.Add(new TextRange(command[i].Text.Start, eq), value, git: false);
            parser.ParseNested(value, privileged);
        }
    }

    /// <summary>A command whose name was bound earlier: also read as the expansion, with its arguments.</summary>
    public static void Expand(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        if (scan.Bound.Count == 0 || command[0].IsDynamic || !scan.Bound.TryGet(scan, scan[command[0].Text], git: false, out var value))
        {
            return;
        }

        // alias rm='rm -f'; rm -r /: expanded once; Bash does not expand a name again inside its own expansion.
        var text = RunnerText.JoinRaw(scan, scan[value], command[1..]);
        var entry = scan.Bound.Suspend(scan, scan[command[0].Text]);
        parser.ParseNested(text, privileged);
        scan.Bound.Resume(entry);
    }
}
