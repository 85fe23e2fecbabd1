
namespace Hookline.Dashboard.Tests;

/// <summary><c>hookline events|sessions --server</c> and <c>hookline tail</c>, the published binary against a real server.</summary>
public sealed class CliOverApiTests
{
    [Fact]
    public async Task Events_and_sessions_over_the_api_print_exactly_what_the_data_directory_gives()
    {
        await using var stack = await DashboardStack.StartAsync();
        Assert.Equal("deny", (await stack.FireAsync("rm -rf /")).PermissionDecision);
        Assert.Equal("ask", (await stack.FireAsync("git push origin main")).PermissionDecision);
        await WaitStoredAsync(stack, 2);
        // A remote decision's latency arrives after it is stored (the sidecar reports it): compare once both are in.
        await Eventually.TrueAsync(async () => await stack.Stack.CountAsync("reported_latency_us IS NOT NULL") >= 2,
            TimeSpan.FromSeconds(30), () => "both decisions' latencies reported");

        foreach (var args in new[] { new[] { "events", "--json" }, ["events"], ["events", "--decision", "deny", "--json"], ["sessions", "--json"] })
        {
            var fromData = await CliRun.RunAsync([.. args, "--data", stack.DataDirectory]);
            var fromServer = await CliRun.RunAsync([.. args, "--server", stack.HttpUrl]);
            Assert.True(fromServer.Exit == 0, fromServer.Stderr);
            Assert.Equal(fromData.Stdout, fromServer.Stdout);
            Assert.NotEmpty(fromServer.Stdout);
        }
        var denied = await CliRun.RunAsync(["events", "--server", stack.HttpUrl, "--decision", "deny", "--json"]);
        Assert.Single(denied.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("\"rule_ids\":[\"no-force-delete\"]", denied.Stdout);
    }

    [Fact]
    public async Task Policy_replay_over_the_api_finds_the_same_changes_as_over_the_data_directory()
    {
        await using var stack = await DashboardStack.StartAsync();
        Assert.Equal("deny", (await stack.FireAsync("rm -rf /")).PermissionDecision);
        Assert.Equal("ask", (await stack.FireAsync("git push origin main")).PermissionDecision);
        await WaitStoredAsync(stack, 2);
        var candidate = Path.Combine(stack.Stack.Directory, "candidate.yaml");
        await File.WriteAllTextAsync(candidate, Policies.Standard.Replace("effect: deny", "effect: ask", StringComparison.Ordinal));

        var fromData = await CliRun.RunAsync(["policy", "replay", candidate, "--data", stack.DataDirectory]);
        var fromServer = await CliRun.RunAsync(["policy", "replay", candidate, "--server", stack.HttpUrl]);

        Assert.True(fromServer.Exit == 0, fromServer.Stderr);
        Assert.Equal(fromData.Stdout, fromServer.Stdout);
        Assert.Contains("deny -> ask [no-force-delete]", fromServer.Stdout);
        Assert.Contains("2 events replayed, 1 decisions would change", fromServer.Stdout);
    }

    [Fact]
    public async Task With_tokens_on_the_cli_reads_the_api_with_the_read_token_from_the_environment()
    {
        var directory = Directory.CreateTempSubdirectory("hl-dash-auth-").FullName;
        try
        {
            var data = Path.Combine(directory, "data");
            var http = $"http://127.0.0.1:{Ports.Free()}";
            await using var server = ChildProcess.Start(Artifacts.Hookline,
            [
                "server", "--auth", "required", "--listen", $"http://127.0.0.1:{Ports.Free()}", "--http-listen", http, "--data", data,
            ]);
            await server.WaitForLineAsync("Hookline server: gRPC on", TimeSpan.FromMinutes(1));
            var created = await CliRun.RunAsync(["token", "create", "--data", data, "--name", "viewer", "--scope", "read"]);
            Assert.Equal(0, created.Exit);
            var token = created.Stdout.Trim().Split('\n')[^1].Trim();

            var anonymous = await CliRun.RunAsync(["sessions", "--server", http, "--json"]);
            Assert.Equal(2, anonymous.Exit);
            Assert.Contains("401", anonymous.Stderr);

            var withToken = await CliRun.RunAsync(["sessions", "--server", http, "--json"], new Dictionary<string, string> { ["HOOKLINE_TOKEN"] = token });
            Assert.True(withToken.Exit == 0, withToken.Stderr);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task An_unreachable_server_is_a_clear_error()
    {
        var run = await CliRun.RunAsync(["events", "--server", "http://127.0.0.1:9"]);

        Assert.Equal(2, run.Exit);
        Assert.Contains("127.0.0.1:9", run.Stderr);
    }

    [Fact]
    public async Task Tail_prints_one_plain_line_per_decision_that_passes_its_filter()
    {
        await using var stack = await DashboardStack.StartAsync();
        await using var tail = ChildProcess.Start(Artifacts.Hookline, ["tail", "--server", stack.HttpUrl, "--decision", "deny,ask"]);
        // tail subscribes asynchronously; fire until its first line shows, then check what it printed.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string? line = null;
        while (line is null && DateTime.UtcNow < deadline)
        {
            await stack.FireAsync("git status");
            await stack.FireAsync("rm -rf /tmp/x");
            try
            {
                line = await tail.WaitForLineAsync("rm -rf /tmp/x", TimeSpan.FromSeconds(2));
            }
            catch (TimeoutException)
            {
            }
        }
        Assert.NotNull(line);
        Assert.Contains(" deny remote [no-force-delete] Recursive force delete is blocked", line);
        Assert.DoesNotContain("\e[", line);
        Assert.False(tail.SawLine("git status"), tail.Output);
    }

    private static Task WaitStoredAsync(DashboardStack stack, long count) =>
        Eventually.TrueAsync(async () => await stack.Stack.CountAsync("1 = 1") >= count, TimeSpan.FromSeconds(30), () => $"{count} events stored");
}
