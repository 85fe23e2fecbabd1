using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Hookline.Cli.Wiring;

/// <summary>
/// Which hook transport a Claude Code session gets: <c>http</c> when the installed Claude Code has HTTP hooks with
/// <c>onFailure</c> (2.1.295+; HTTP hooks alone arrived in 2.1.63), else <c>command</c>.
/// </summary>
internal static partial class ClaudeTransport
{
    /// <summary>The first Claude Code with <c>"onFailure": "block"</c>, so an HTTP hook that fails blocks.</summary>
    public static readonly Version HttpWithOnFailure = new(2, 1, 295);

    /// <summary><paramref name="requested"/> when given; else from <c>claude --version</c>.</summary>
    public static string Choose(string? requested, string claudeCommand)
    {
        if (requested is "http" or "command")
        {
            return requested;
        }
        return VersionOf(claudeCommand) is { } version && version >= HttpWithOnFailure ? "http" : "command";
    }

    /// <summary>Runs <c>claude --version</c> (bounded to 10 s) and reads the first x.y.z; null when it cannot tell.</summary>
    public static Version? VersionOf(string claudeCommand)
    {
        try
        {
            var start = new ProcessStartInfo(claudeCommand, ["--version"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return null;
            }
            return Parse(output.GetAwaiter().GetResult());
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>"2.1.328 (Claude Code)" → 2.1.328.</summary>
    public static Version? Parse(string text)
        => VersionPattern().Match(text) is { Success: true } match ? Version.Parse(match.Value) : null;

    [GeneratedRegex(@"\d+\.\d+\.\d+")]
    private static partial Regex VersionPattern();
}
