using System.CommandLine;
using Hookline.Cli;

namespace Hookline.Cli.Tests;

/// <summary>What one command printed and returned.</summary>
internal sealed record CliResult(int Exit, string Stdout, string Stderr);

/// <summary>
/// Runs a <c>hookline</c> command in this process, as the binary would, with its output and error captured through
/// System.CommandLine's invocation configuration; bounded in time.
/// </summary>
internal static class InProcessCli
{
    public static async Task<CliResult> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        // No termination handling: SIGTERM and Ctrl+C belong to the test host, not to the command under test.
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        var exit = await Bound.Within(HooklineCli.Create().Parse(args).InvokeAsync(configuration), "exit of hookline " + string.Join(' ', args));
        return new CliResult(exit, output.ToString(), error.ToString());
    }
}
