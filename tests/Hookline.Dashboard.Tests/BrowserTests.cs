using System.Diagnostics;
using Xunit.Abstractions;

namespace Hookline.Dashboard.Tests;

/// <summary>
/// The dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core from
/// tests/browser): a real server and sidecar, hooks fired through the real AOT hook binary.
/// </summary>
public sealed class BrowserTests(ITestOutputHelper output)
{
    private static readonly string BrowserDir = Path.Combine(Artifacts.RepositoryRoot, "tests", "browser");

    [SkippableFact]
    public async Task The_dashboard_shows_live_decisions_filters_sessions_and_policy_epochs_in_a_real_browser()
    {
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";
        var node = FindOnPath("node");
        Skip.If(node is null, "node is not installed: the browser tests need node and chromium (.ci/run installs both)");
        Skip.IfNot(File.Exists(chromium), $"{chromium} is not installed: apt-get install chromium (.ci/run does)");
        Assert.True(Directory.Exists(Path.Combine(BrowserDir, "node_modules", "playwright-core")),
            "tests/browser/node_modules is missing: run `npm ci` in tests/browser (.ci/run does)");

        await using var stack = await DashboardStack.StartAsync();
        // HOOKLINE_SCREENSHOTS=docs/images refreshes the screenshots in the docs; otherwise they go to a temp dir.
        var shots = Environment.GetEnvironmentVariable("HOOKLINE_SCREENSHOTS") is { Length: > 0 } dir
            ? Path.GetFullPath(dir, Artifacts.RepositoryRoot)
            : Path.Combine(stack.Stack.Directory, "screenshots");
        var start = new ProcessStartInfo(node!) { WorkingDirectory = BrowserDir, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("dashboard.test.mjs");
        start.Environment["BASE_URL"] = stack.HttpUrl;
        start.Environment["HOOK_BIN"] = Artifacts.Hook;
        start.Environment["HOOK_SOCKET"] = stack.Stack.SocketPath;
        start.Environment["POLICY_FILE"] = stack.PolicyFile;
        start.Environment["SHOTS_DIR"] = shots;
        start.Environment["CHROMIUM"] = chromium;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the browser tests did not finish within 5 minutes:\n" + await stdout);
        }
        output.WriteLine(await stdout);
        output.WriteLine(await stderr);
        Assert.True(process.ExitCode == 0, $"browser tests failed:\n{await stdout}\n{await stderr}\nserver:\n{stack.Stack.Server!.Output}");
        Assert.Contains("all passed", await stdout);
    }

    private static string? FindOnPath(string name) => (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
}
