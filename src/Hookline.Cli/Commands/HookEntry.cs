using System.CommandLine;
using Hookline.Shared;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline hook</c>: the same pipe as the Native AOT <c>hookline-hook</c> binary, for machines without it.
/// Agents should be wired to <c>hookline-hook</c>, which starts far faster.
/// </summary>
internal static class HookEntry
{
    public static int Run(string[] args) => Hookline.Hook.HookCommand.Run(args);

    /// <summary>Listed for --help only: Program.cs runs the hook before System.CommandLine is touched.</summary>
    public static Command CreateHelpOnly() => new("hook", "The per-hook pipe an agent spawns: stdin to the sidecar, its answer to stdout/stderr")
    {
        new Option<string>("--agent") { Description = AgentNames.Listed(), Required = true },
        new Option<string>("--event") { Description = "The agent's event name in kebab case, e.g. pre-tool-use", Required = true },
        new Option<string?>("--socket") { Description = "Sidecar socket (default: $HOOKLINE_SOCKET)" },
    };

    /// <summary>The hook binary to write into agent settings: the AOT one beside this program when present.</summary>
    public static string HookCommandLine()
    {
        var aot = Path.Combine(AppContext.BaseDirectory, "hookline-hook");
        if (File.Exists(aot))
        {
            return Quote(aot);
        }
        return Quote(Environment.ProcessPath ?? "hookline") + " hook";
    }

    public static string Quote(string path) => path.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '-' or '_')
        ? path
        : "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
