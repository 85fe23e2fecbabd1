using Xunit.Abstractions;

namespace Hookline.Agents.Tests;

/// <summary>The real Claude Code CLI, wired by <c>hookline start --agent claude</c>, against a fake Messages API.</summary>
public sealed class ClaudeCodeTests(ITestOutputHelper output)
{
    internal static void Configure(AgentRun run)
    {
        run.Environment["ANTHROPIC_BASE_URL"] = "{API_URL}";
        run.Environment["ANTHROPIC_API_KEY"] = "sk-ant-fake";
        run.Environment["DISABLE_TELEMETRY"] = "1";
        run.Environment["DISABLE_ERROR_REPORTING"] = "1";
        run.Environment["DISABLE_AUTOUPDATER"] = "1";
        run.Environment["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
        // Claude Code refuses some modes as root outside a sandbox; these runs are in one.
        run.Environment["IS_SANDBOX"] = "1";
    }

    internal static readonly string[] Prompt = ["-p", "Run the scripted commands.", "--output-format", "stream-json", "--verbose"];

    [SkippableFact]
    public async Task Deny_ask_and_allow_reach_claude_code_and_its_model_and_the_audit_trail()
    {
        AgentClients.RequireClient("claude");
        using var run = new AgentRun(output);
        Configure(run);
        var userSettings = Path.Combine(run.Home, ".claude", "settings.json");
        Directory.CreateDirectory(Path.GetDirectoryName(userSettings)!);
        File.WriteAllText(userSettings, """{ "hooks": { "Stop": [ { "hooks": [ { "type": "command", "command": "true" } ] } ] } }""");
        var before = AgentRun.Snapshot(userSettings);

        await run.RunAsync([run.Denied, run.Asked, run.Allowed], run.Start("claude", Prompt));

        Expect.DeniedAndToldTheModel(run);
        // Ask: claude -p has nobody to ask, so it does not run the command.
        Assert.False(run.Exists("ask-me.txt"), "the asked command ran without a person's approval");
        Expect.AllowedRan(run);
        Expect.Audited(await run.EventsAsync());
        AgentRun.AssertUnchanged(before);
    }

    [SkippableFact]
    public async Task A_rule_that_rewrites_the_command_makes_claude_code_run_the_rewritten_one()
    {
        AgentClients.RequireClient("claude");
        using var run = new AgentRun(output);
        Configure(run);
        Expect.UseRewritingPolicy(run);

        await run.RunAsync([Expect.RewriteCommand(run)], run.Start("claude", Prompt));

        Expect.RewrittenRanInstead(run);
    }

    /// <summary>
    /// Hooks installed with <c>--server</c> and <c>--token-file</c>, and no sidecar running (a restart without systemd):
    /// the first hook starts the per-user sidecar on demand, inside the client's namespace. It reads the recorded server
    /// and token, so the server's deny holds, rather than every call being blocked for want of a policy.
    /// </summary>
    [SkippableFact]
    public async Task Installed_hooks_start_the_per_user_sidecar_on_demand_and_it_reaches_the_installed_server()
    {
        AgentClients.RequireClient("claude");
        using var run = new AgentRun(output);
        Configure(run);
        var server = "unix:" + Path.Combine(run.Directory, "server.sock");
        var created = await CliRun.RunAsync(["token", "create", "--data", run.DataDirectory, "--name", "laptop", "--scope", "sidecar"], run.Environment);
        Assert.True(created.Exit == 0, created.Stderr);
        var token = Path.Combine(run.Directory, "sidecar.token");
        File.WriteAllText(token, created.Stdout.TrimEnd().Split('\n')[^1]);
        File.SetUnixFileMode(token, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var daemonLock = Path.Combine(run.Environment["XDG_RUNTIME_DIR"], "hookline", "sidecar.lock");
        // The first hook pays for the daemon's start and its first stream on a busy machine; under Claude's own 30 s.
        run.Environment["HOOKLINE_HOOK_TIMEOUT_MS"] = "20000";

        await using (await UserDaemon.ServerAsync(run, server, "--auth", "required"))
        {
            await run.InstallAsync("claude", "--server", server, "--token-file", token);
            Assert.False(File.Exists(daemonLock), "a per-user sidecar ran before the agent did");
            try
            {
                await run.RunAsync([run.Denied, run.Allowed], [AgentClients.Client("claude"), .. Prompt]);
                var pid = await DaemonLock.PidAsync(daemonLock);
                Assert.Contains("--exit-when-idle", File.ReadAllText($"/proc/{pid}/cmdline"), StringComparison.Ordinal);
                // The allowed call's PostToolUse is the last event the sidecar sends on.
                await Eventually.TrueAsync(async () => (await run.EventsAsync()).Any(e => e.GetProperty("hook_event").GetString() == "PostToolUse"
                    && (e.GetProperty("tool_input").GetString() ?? "").Contains("allowed.txt", StringComparison.Ordinal)), Bound.Hang,
                    () => "the on-demand sidecar's events did not reach the installed server");
            }
            finally
            {
                await DaemonLock.StopAsync(daemonLock);
            }
        }

        Expect.DeniedAndToldTheModel(run);
        Expect.AllowedRan(run);
        Expect.Audited(await run.EventsAsync());
        Assert.True(run.Orphans.Length == 0, "the hook decided alone (no sidecar answered): " + run.Orphans);
    }

    [SkippableFact]
    public async Task With_the_sidecar_down_installed_fail_closed_hooks_keep_the_tool_from_running()
    {
        AgentClients.RequireClient("claude");
        using var run = new AgentRun(output);
        Configure(run);
        await run.InstallAsync("claude");
        run.Environment["HOOKLINE_SOCKET"] = run.DeadSocket;

        await run.RunAsync([run.Allowed], [AgentClients.Client("claude"), .. Prompt]);

        Expect.BlockedWithoutSidecar(run, "claude");
    }
}
