using System.Diagnostics;

namespace Hookline.Testing;

/// <summary>One run of the published <c>hookline</c> CLI to completion, bounded in time.</summary>
public static class CliRun
{
    /// <param name="wrapper">A program and its arguments that run hookline for the test (setpriv, to act as another uid).</param>
    public static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(IEnumerable<string> args, IDictionary<string, string>? env = null,
        IReadOnlyList<string>? wrapper = null)
    {
        var start = new ProcessStartInfo(wrapper?[0] ?? Artifacts.Hookline) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (wrapper is null ? (IEnumerable<string>)[] : [.. wrapper.Skip(1), Artifacts.Hookline]).Concat(args))
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
