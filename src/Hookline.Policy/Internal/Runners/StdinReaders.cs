using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// Programs that read the commands they run from stdin when no command is given: <c>su</c>, <c>sudo -s</c>/<c>-i</c>,
/// <c>script</c> (its shell reads the input), <c>at</c>/<c>batch</c> (a job), <c>crontab -</c> (cron jobs). A literal
/// program is parsed and matched; one the engine cannot see raises a concern, like a shell reading a pipe.
/// </summary>
internal static class StdinReaders
{
    public static void Inspect(ShellParser parser, ReadOnlySpan<ShellWord> command, ReadOnlySpan<char> name, bool privileged)
    {
        var scan = parser.Output;
        switch (name)
        {
            case "su" or "runuser" or "script":
                // Reached only without -c (a -c body was parsed as the runner's command): the shell reads stdin.
                FedPrograms.FromStdin(parser, command, privileged: privileged || name is not "script");
                break;
            case "sudo" or "doas":
                // "sudo -s", "sudo -i" with no command: a (login) shell that reads stdin.
                if (RunsShell(scan, command))
                {
                    FedPrograms.FromStdin(parser, command, privileged: true);
                }

                break;
            case "at" or "batch":
                Scheduler(parser, command, cron: false, privileged);
                break;
            case "crontab":
                Scheduler(parser, command, cron: true, privileged);
                break;
        }
    }

    private static bool RunsShell(ShellScan scan, ReadOnlySpan<ShellWord> command)
    {
        for (var i = 1; i < command.Length; i++)
        {
            var w = scan[command[i].Text];
            if (CommandRunners.IsAbbreviation(w, "--shell", 4) || CommandRunners.IsAbbreviation(w, "--login", 4) || (w.Length > 1 && w[0] == '-' && w[1] != '-' && w[1..].IndexOfAny('s', 'i') >= 0))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>at [-f FILE] TIME</c>, <c>crontab [-u USER] [FILE|-]</c>: a job read from a file or from stdin.</summary>
    private static void Scheduler(ShellParser parser, ReadOnlySpan<ShellWord> command, bool cron, bool privileged)
    {
        var scan = parser.Output;
        var operand = -1;
        for (var i = 1; i < command.Length; i++)
        {
            var w = scan[command[i].Text];
            if (cron ? w is "-l" or "-r" or "-e" or "-T" or "-V" : w is "-l" or "-r" or "-d" or "-c" or "-V")
            {
                return; // lists, removes, edits (interactively), shows: installs nothing read here
            }

            if (!cron && w is "-f" && i + 1 < command.Length)
            {
                scan.Raise(ReasonCodes.OpaqueProgram, $"at runs the job in '{scan[command[i + 1].Text].ToString()}', whose content the engine cannot see", command[i + 1].Raw);
                return;
            }

            if ((cron ? w is "-u" : w is "-q" or "-t") && i + 1 < command.Length)
            {
                i++;
                continue;
            }

            if (cron && operand < 0 && (w is "-" || !w.StartsWith('-')))
            {
                operand = i;
            }
        }

        if (cron && operand >= 0 && scan[command[operand].Text] is not "-")
        {
            scan.Raise(ReasonCodes.OpaqueProgram, $"crontab installs the jobs in '{scan[command[operand].Text].ToString()}', whose content the engine cannot see", command[operand].Raw);
            return;
        }

        FedPrograms.FromStdin(parser, command, cronTable: cron, privileged);
    }
}
