namespace Hookline.EndToEnd.Tests;

/// <summary>Real processes: a server on loopback, a sidecar, and the published Native AOT hook spawned with Claude Code's stdin.</summary>
public sealed class EnforcementTests
{
    [Fact]
    public async Task Deny_ask_allow_and_the_silent_default_reach_claude_in_its_native_shape()
    {
        await using var stack = await ProcessStack.StartAsync();

        var deny = await HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", HookRun.Bash("cd /tmp && FOO=1 timeout 5 rm -rf /"));
        var ask = await HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", HookRun.Bash("git push origin main"));
        var allow = await HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", HookRun.Bash("git status"));
        var unmatched = await HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", HookRun.Bash("ls -la"));

        Assert.Equal((0, "deny"), (deny.ExitCode, deny.PermissionDecision));
        Assert.Contains("Recursive force delete is blocked", deny.Stdout);
        Assert.Equal((0, "ask"), (ask.ExitCode, ask.PermissionDecision));
        Assert.Equal((0, "allow"), (allow.ExitCode, allow.PermissionDecision));
        Assert.Equal((0, "", ""), (unmatched.ExitCode, unmatched.Stdout, unmatched.Stderr));
    }

    [Fact]
    public async Task Malformed_stdin_to_pre_tool_use_is_denied_with_a_reason()
    {
        await using var stack = await ProcessStack.StartAsync();

        var run = await HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", "{\"tool_name\": \"Bash\", \"tool_input\": ");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("malformed hook input", run.Stderr);
    }

    [Fact]
    public async Task With_the_server_killed_the_last_snapshot_decides_and_the_audit_trail_catches_up()
    {
        await using var stack = await ProcessStack.StartAsync();
        await stack.KillServerAsync();

        var deny = await HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", HookRun.Bash("rm -rf /var"));
        var allow = await HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", HookRun.Bash("git status"));
        Assert.Equal("deny", deny.PermissionDecision);
        Assert.Equal("allow", allow.PermissionDecision);
        await stack.Sidecar!.WaitForLineAsync("from local", TimeSpan.FromSeconds(10));

        // The server comes back on the same port and data: the sidecar replays what it decided alone.
        await stack.StartServerAsync();
        await stack.Sidecar.WaitForLineAsync("Resent", TimeSpan.FromSeconds(60));
        await stack.Sidecar.WaitForLineAsync("; 0 await acknowledgement", TimeSpan.FromSeconds(30));
        Assert.Equal(2, await stack.CountAsync("applied_source = 'local'"));
        Assert.Equal(1, await stack.CountAsync("applied_source = 'local' AND applied_verdict = 'deny' AND verdict = 'deny'"));
    }

    [Fact]
    public async Task A_stalled_server_past_the_budget_gets_a_local_decision_within_the_budget()
    {
        await using var stack = await ProcessStack.StartAsync(budgetMs: 50);
        // Prove the stream answers first (a cold machine may miss the budget on the very first calls).
        for (var i = 0; i < 20 && !stack.Sidecar!.SawLine("from remote"); i++)
        {
            Assert.Equal("deny", (await HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", HookRun.Bash("rm -rf /a"))).PermissionDecision);
        }
        Assert.True(stack.Sidecar!.SawLine("from remote"), stack.Sidecar.Output);

        stack.Server!.Signal("STOP");
        try
        {
            var run = await HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", HookRun.Bash("rm -rf /b"));
            Assert.Equal("deny", run.PermissionDecision);
            string line;
            try
            {
                line = await stack.Sidecar.WaitForLineAsync("from local", TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException ex)
            {
                // Say whether the hook heard from the sidecar at all (a deny of its own fail mode carries its reason on stderr).
                throw new TimeoutException($"{ex.Message}\nhook: exit {run.ExitCode} after {run.Elapsed.TotalMilliseconds:F0} ms, stderr: {run.Stderr}", ex);
            }
            // "... in N µs": the sidecar answered within the budget (plus scheduling slack), not after the stall.
            var micros = long.Parse(line[(line.LastIndexOf(" in ", StringComparison.Ordinal) + 4)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            // It waited for the server about the budget (timers may fire a tick early), then decided locally.
            Assert.InRange(micros, 40_000, 1_000_000);
        }
        finally
        {
            stack.Server.Signal("CONT");
        }
        // The server's late answer is dropped; the audit trail records what the agent really got.
        await stack.Sidecar.WaitForLineAsync("; 0 await acknowledgement", TimeSpan.FromSeconds(30));
        Assert.Equal(1, await stack.CountAsync(
            "CAST(tool_input AS TEXT) LIKE '%rm -rf /b%' AND applied_source = 'local' AND applied_verdict = 'deny' AND verdict = 'deny'"));
    }

    [Theory]
    [InlineData("closed", "deny")]
    [InlineData("open", null)]
    public async Task A_sidecar_that_never_got_a_snapshot_applies_its_fail_mode(string failMode, string? expected)
    {
        await using var stack = await ProcessStack.StartAsync(withServer: false, failMode: failMode);

        var run = await HookRun.SpawnAsync(stack.SocketPath, "pre-tool-use", HookRun.Bash("ls"));

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(expected, run.PermissionDecision);
        await stack.Sidecar!.WaitForLineAsync(failMode == "closed" ? "from fail_closed" : "from fail_open", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task What_the_hook_decided_alone_reaches_the_audit_trail_through_the_next_sidecar()
    {
        var dir = Directory.CreateTempSubdirectory("hl-e2e-").FullName;
        // 0700, as the sidecar makes it: the hook trusts a socket only in its user's private directory.
        Directory.CreateDirectory(Path.Combine(dir, "run"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var blocked = await HookRun.SpawnAsync(Path.Combine(dir, "run", "hook.sock"), "pre-tool-use", HookRun.Bash("rm -rf /srv"));
        Assert.Equal(2, blocked.ExitCode);

        await using var stack = await ProcessStack.StartAsync(directory: dir);
        // The ack may come before the lines the start waited for (and read past): seen already, or still to come.
        if (!stack.Sidecar!.SawLine("; 0 await acknowledgement"))
        {
            await stack.Sidecar.WaitForLineAsync("; 0 await acknowledgement", TimeSpan.FromSeconds(30));
        }

        Assert.Equal(1, await stack.CountAsync("applied_source = 'hook' AND applied_verdict = 'deny' AND hook_event = 'PreToolUse'"));
        Assert.False(File.Exists(stack.OrphanFile));
    }

    [Theory]
    [InlineData("closed", 2)]
    [InlineData("open", 0)]
    public async Task Without_a_sidecar_the_hook_applies_its_fail_mode_at_once(string failMode, int exitCode)
    {
        var dir = Directory.CreateTempSubdirectory("hl-e2e-").FullName;
        try
        {
            var run = await HookRun.SpawnAsync(Path.Combine(dir, "missing.sock"), "pre-tool-use", HookRun.Bash("ls"), failMode);

            Assert.Equal(exitCode, run.ExitCode);
            Assert.Equal(failMode == "closed", run.Stderr.Contains("policy unavailable", StringComparison.Ordinal));
            // Generous bound: proves no connect timeout was waited out.
            Assert.True(run.Elapsed < TimeSpan.FromSeconds(1), $"took {run.Elapsed}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
