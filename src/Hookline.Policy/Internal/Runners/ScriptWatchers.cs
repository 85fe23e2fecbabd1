using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// Node dev tools that run command lines given as option values or operands, directly or through npx/pnpm/yarn/bunx:
/// <c>tsc-watch --onSuccess CMD</c>, <c>nodemon --exec CMD</c>, <c>concurrently CMD1 CMD2</c>. Each is parsed and
/// matched, so <c>Bash(npx tsc*)</c> does not allow <c>npx tsc-watch --onSuccess 'rm -rf /'</c>.
/// </summary>
internal static class ScriptWatchers
{
    private static readonly string[] TscWatchCommands = ["--onSuccess", "--onFailure", "--onFirstSuccess", "--onCompilationStarted", "--onCompilationComplete", "--onEmit"];
    private static readonly string[] NodemonCommands = ["--exec", "-x"];
    private static readonly string[] ConcurrentlyArguments =
    [
        "-n", "--names", "-c", "--prefix-colors", "-p", "--prefix", "-s", "--success", "-m", "--max-processes", "-l", "--prefix-length",
        "-t", "--timestamp-format", "--restart-tries", "--restart-after", "--hide", "--default-input-target", "--kill-signal", "--name-separator",
    ];

    /// <summary><c>npx TOOL ...</c>, <c>pnpm dlx TOOL</c>, <c>yarn TOOL</c>: the tool among the first words.</summary>
    public static void InspectPackage(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        for (var j = 1; j < Math.Min(command.Length, 5); j++)
        {
            var word = scan[command[j].Text];
            var at = word.LastIndexOf('@');
            var tool = at > 0 ? word[..at] : word; // tsc-watch@6
            if (tool is "tsc-watch" or "nodemon" or "concurrently")
            {
                Inspect(parser, command[j..], privileged);
                return;
            }
        }
    }

    public static void Inspect(ShellParser parser, ReadOnlySpan<ShellWord> command, bool privileged)
    {
        var scan = parser.Output;
        var name = scan[command[0].Text];
        var concurrently = name.StartsWith("concurrently", StringComparison.Ordinal);
        var options = name.StartsWith("tsc-watch", StringComparison.Ordinal) ? TscWatchCommands : NodemonCommands;
        for (var i = 1; i < command.Length; i++)
        {
            var w = scan[command[i].Text];
            if (concurrently)
            {
                if (CommandSimplifier.IsOneOf(w, ConcurrentlyArguments))
                {
                    i++;
                }
                else if (!w.StartsWith('-') && !w.StartsWith("npm:", StringComparison.Ordinal) && !w.StartsWith("pnpm:", StringComparison.Ordinal)
                    && !w.StartsWith("yarn:", StringComparison.Ordinal) && !w.StartsWith("bun:", StringComparison.Ordinal))
                {
                    parser.ParseNested(command[i].Text, privileged); // each operand is a command line ("npm:x" names a script)
                }

                continue;
            }

            var eq = w.IndexOf('=');
            if (eq > 0 && CommandSimplifier.IsOneOf(w[..eq], options))
            {
                parser.ParseNested(RunnerText.After(command[i], eq + 1), privileged);
            }
            else if (CommandSimplifier.IsOneOf(w, options) && i + 1 < command.Length)
            {
                parser.ParseNested(command[++i].Text, privileged);
            }
        }
    }
}
