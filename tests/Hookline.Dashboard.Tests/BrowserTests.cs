using System.Diagnostics;
using Xunit.Abstractions;

namespace Hookline.Dashboard.Tests;

/// <summary>
/// The dashboard in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core from
/// tests/browser): a real server and sidecar, hooks fired through the real AOT hook binary.
/// </summary>
public sealed class BrowserTests(ITestOutputHelper output)
{
    internal static readonly string BrowserDir = Path.Combine(Repository.Root, "tests", "browser");

    [SkippableFact]
    public async Task The_dashboard_shows_live_decisions_filters_sessions_and_policy_epochs_in_a_real_browser()
    {
        var chromium = RequireBrowser();
        await using var stack = await DashboardStack.StartAsync();
        var shots = ShotsDir(stack);
        await RunScriptAsync("dashboard.test.mjs", chromium, stack.Stack.Server!, new Dictionary<string, string>
        {
            ["BASE_URL"] = stack.HttpUrl,
            ["HOOK_BIN"] = Artifacts.Hook,
            ["HOOK_SOCKET"] = stack.Stack.SocketPath,
            ["POLICY_FILE"] = stack.PolicyFile,
            ["SHOTS_DIR"] = shots,
        });
    }

    [SkippableFact]
    public async Task The_overview_counts_what_hookline_events_lists_updates_live_and_links_a_top_rule_to_its_live_view()
    {
        var chromium = RequireBrowser();
        await using var stack = await DashboardStack.StartAsync();
        var shots = ShotsDir(stack);
        await RunScriptAsync("overview.test.mjs", chromium, stack.Stack.Server!, new Dictionary<string, string>
        {
            ["BASE_URL"] = stack.HttpUrl,
            ["HOOK_BIN"] = Artifacts.Hook,
            ["HOOK_SOCKET"] = stack.Stack.SocketPath,
            ["HOOKLINE_BIN"] = Artifacts.Hookline,
            ["SHOTS_DIR"] = shots,
        });
    }

    [SkippableFact]
    public async Task A_browser_signs_in_over_loopback_http_keeps_a_host_cookie_writes_only_with_csrf_and_signs_out()
    {
        var chromium = RequireBrowser();
        var dir = Directory.CreateTempSubdirectory("hl-signin-").FullName;
        try
        {
            var data = Path.Combine(dir, "data");
            await File.WriteAllTextAsync(Path.Combine(dir, "policy.yaml"), Policies.Standard);
            var (exit, stdout, stderr) = await CliRun.RunAsync(["token", "create", "--data", data, "--name", "browser-admin", "--scope", "admin"]);
            Assert.True(exit == 0, stderr);
            var admin = stdout.Trim().Split('\n')[^1].Trim();
            var httpPort = Ports.Free();
            await using var server = ChildProcess.Start(Artifacts.Hookline,
            [
                "server", "--listen", $"http://127.0.0.1:{Ports.Free()}", "--http-listen", $"http://127.0.0.1:{httpPort}",
                "--auth", "required", "--policy", Path.Combine(dir, "policy.yaml"), "--data", data,
            ]);
            await server.WaitForLineAsync("Hookline server: gRPC on", TimeSpan.FromSeconds(60));
            await RunScriptAsync("signin.test.mjs", chromium, server, new Dictionary<string, string>
            {
                ["BASE_URL"] = $"http://127.0.0.1:{httpPort}",
                ["ADMIN_TOKEN"] = admin,
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>HOOKLINE_SCREENSHOTS=docs/images refreshes the screenshots in the docs; otherwise they go to a temp dir.</summary>
    private static string ShotsDir(DashboardStack stack) => Environment.GetEnvironmentVariable("HOOKLINE_SCREENSHOTS") is { Length: > 0 } dir
        ? Path.GetFullPath(dir, Repository.Root)
        : Path.Combine(stack.Stack.Directory, "screenshots");

    /// <summary>The browser to drive, or a skip saying what is missing.</summary>
    internal static string RequireBrowser()
    {
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";
        Requires.Tool("node", "the browser tests need node and chromium (.ci/run installs both)");
        Requires.Tool(chromium, "apt-get install chromium (.ci/run does)");
        Assert.True(Directory.Exists(Path.Combine(BrowserDir, "node_modules", "playwright-core")),
            "tests/browser/node_modules is missing: run `npm ci` in tests/browser (.ci/run does)");
        return chromium;
    }

    /// <summary>Starts a script of tests/browser under node, driving <paramref name="chromium"/>.</summary>
    internal static Process StartScript(string script, string chromium, Dictionary<string, string> environment, bool withInput)
    {
        var start = new ProcessStartInfo(Requires.OnPath("node")!)
        {
            WorkingDirectory = BrowserDir, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = withInput,
        };
        start.ArgumentList.Add(script);
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        start.Environment["CHROMIUM"] = chromium;
        return Process.Start(start)!;
    }

    private async Task RunScriptAsync(string script, string chromium, ChildProcess server, Dictionary<string, string> environment)
    {
        using var process = StartScript(script, chromium, environment, withInput: false);
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
            throw new TimeoutException($"{script} did not finish within 5 minutes:\n" + await stdout);
        }
        output.WriteLine(await stdout);
        output.WriteLine(await stderr);
        Assert.True(process.ExitCode == 0, $"{script} failed:\n{await stdout}\n{await stderr}\nserver:\n{server.Output}");
        Assert.Contains("all passed", await stdout);
    }
}
