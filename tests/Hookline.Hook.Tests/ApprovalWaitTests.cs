using System.Net.Sockets;

namespace Hookline.Hook.Tests;

/// <summary>
/// Issue 17, the published hook as a process: it sends its deadline (request version 2), and an interim reply (the call
/// waits for a person's approval) moves its deadline to what the sidecar says, past HOOKLINE_HOOK_TIMEOUT_MS, until
/// the final reply. A sidecar that dies or hangs during the wait still ends in the fail mode.
/// </summary>
public sealed class ApprovalWaitTests
{
    private const string Waiting = "waiting for approval by group:sre (up to 10 s)";
    private static readonly byte[] Allowed = """{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"allow"}}"""u8.ToArray();

    // The wiring writes --approval-wait with the long agent timeout (HookEvents.Command): only then may the hook wait.
    private static Task<HookResult> RunAsync(TempDir dir, FakeSidecar sidecar, string timeoutMs = "300", string? failMode = null, bool approvalWait = true)
    {
        var env = new Dictionary<string, string>
        {
            ["HOOKLINE_ORPHAN_FILE"] = dir.File("orphans.jsonl"),
            ["HOOKLINE_HOOK_TIMEOUT_MS"] = timeoutMs,
        };
        if (failMode is not null)
        {
            env["HOOKLINE_FAIL_MODE"] = failMode;
        }
        string[] args = ["--agent", "claude", "--event", "pre-tool-use", "--socket", sidecar.SocketPath];
        return HookRun.RunAsync(approvalWait ? [.. args, "--approval-wait"] : args, "{}"u8.ToArray(), env);
    }

    [Fact]
    public async Task A_hook_without_the_approval_wait_flag_asks_for_no_wait_and_an_interim_reply_does_not_extend_it()
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Scripted(dir.File("s.sock"), async (self, _, connection) =>
        {
            await connection.SendAsync(Frames.Interim(10_000, Waiting), SocketFlags.None);
            await self.Released;
        });

        // An older wiring wrote a short agent timeout and no flag: the agent would kill a hook that waited for a person.
        var result = await RunAsync(dir, sidecar, timeoutMs: "300", approvalWait: false);

        var (budgetMs, approvalWaitMs) = Frames.Deadline(await sidecar.RawRequest);
        Assert.InRange(budgetMs, 1u, 300u);
        Assert.Equal(0u, approvalWaitMs);
        // Its own timeout answers (fail mode closed), not the 10 s the interim reply offered.
        Assert.Equal(2, result.ExitCode);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(5), $"answered after {result.Elapsed}");
        Assert.Contains("no reply length within", result.StderrText);
    }

    [Fact]
    public async Task The_request_carries_what_is_left_of_the_budget_and_of_the_approval_cap()
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => Frames.Reply(0, [], []));

        var result = await RunAsync(dir, sidecar, timeoutMs: "4000");

        Assert.Equal(0, result.ExitCode);
        var request = await sidecar.RawRequest;
        Assert.Equal(2, request[0]);
        var (budgetMs, approvalWaitMs) = Frames.Deadline(request);
        Assert.InRange(budgetMs, 1u, 4000u);
        // 570 s from the hook's start (AgentNames.ApprovalWaitCapMs), less what reading stdin took.
        Assert.InRange(approvalWaitMs, 560_000u, 570_000u);
        Assert.Equal(Frames.RequestPayload("claude", "pre-tool-use", 0, "{}"u8.ToArray()), await sidecar.Request);
    }

    [Fact]
    public async Task After_an_interim_reply_the_hook_waits_past_its_timeout_for_the_final_answer()
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Scripted(dir.File("s.sock"), async (_, _, connection) =>
        {
            await connection.SendAsync(Frames.Interim(10_000, Waiting), SocketFlags.None);
            // The person answers a second later: more than three times the hook's own 300 ms timeout.
            await Task.Delay(TimeSpan.FromSeconds(1));
            await connection.SendAsync(Frames.Reply(0, Allowed, "approved by alice"u8.ToArray()), SocketFlags.None);
        });

        var result = await RunAsync(dir, sidecar);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Allowed, result.Stdout);
        Assert.Equal("hookline: " + Waiting + "\napproved by alice", result.StderrText);
        Assert.True(result.Elapsed >= TimeSpan.FromSeconds(1), $"answered after {result.Elapsed}");
        Assert.False(File.Exists(dir.File("orphans.jsonl")), "the fail mode decided");
    }

    [Fact]
    public async Task Several_interim_replies_may_come_before_the_final_one()
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Scripted(dir.File("s.sock"), async (_, _, connection) =>
        {
            await connection.SendAsync(Frames.Interim(10_000, "first").Concat(Frames.Interim(uint.MaxValue, "")).ToArray(), SocketFlags.None);
            await connection.SendAsync(Frames.Reply(0, Allowed, []), SocketFlags.None);
        });

        var result = await RunAsync(dir, sidecar);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Allowed, result.Stdout);
        Assert.Equal("hookline: first\n", result.StderrText);
    }

    [Fact]
    public async Task A_sidecar_that_dies_during_the_wait_leaves_the_fail_mode_closed_deny()
    {
        using var dir = new TempDir();
        // Closing the connection is what the kernel does for a sidecar killed while the hook waits.
        await using var sidecar = FakeSidecar.Scripted(dir.File("s.sock"), (_, _, connection) =>
            connection.SendAsync(Frames.Interim(10_000, Waiting), SocketFlags.None));

        var result = await RunAsync(dir, sidecar);

        // Exit 2 blocks in Claude Code, which reads the reason from stderr.
        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.StartsWith("hookline: " + Waiting + "\n", result.StderrText);
        Assert.Contains("policy unavailable (sidecar failed: reply length truncated: 0 of 4 bytes before the connection closed); blocked (fail mode closed)", result.StderrText);
    }

    [Fact]
    public async Task Fail_open_a_sidecar_that_hangs_after_an_interim_reply_is_allowed_only_at_the_extended_deadline()
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Scripted(dir.File("s.sock"), async (self, _, connection) =>
        {
            await connection.SendAsync(Frames.Interim(1500, Waiting), SocketFlags.None);
            await self.Released;
        });

        var result = await RunAsync(dir, sidecar, failMode: "open");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.True(result.Elapsed >= TimeSpan.FromMilliseconds(1500), $"failed open after {result.Elapsed}, before the extended deadline");
        Assert.Contains("no reply length within", await File.ReadAllTextAsync(dir.File("orphans.jsonl")));
    }

    [Fact]
    public async Task Fail_open_a_sidecar_that_dies_after_an_interim_reply_is_failed_open_as_any_dead_sidecar()
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Scripted(dir.File("s.sock"), (_, _, connection) =>
            connection.SendAsync(Frames.Interim(10_000, Waiting), SocketFlags.None));

        var result = await RunAsync(dir, sidecar, failMode: "open");

        // Documented (docs/approvals.md): fail open is the operator's choice for a sidecar that is gone.
        Assert.Equal(0, result.ExitCode);
        var orphan = await File.ReadAllTextAsync(dir.File("orphans.jsonl"));
        Assert.Contains("\"decision\":\"allow\"", orphan);
        Assert.Contains("\"fail_mode\":\"open\"", orphan);
    }

    public static TheoryData<byte[], string> HostileInterims => new()
    {
        { Frames.Interim(10_000, "short", declaredMessageLength: 500), "interim reply message length overruns the frame" },
        { Frames.Interim(10_000, "x", declaredMessageLength: uint.MaxValue), "interim reply message length overruns the frame" },
        { Frames.Interim(10_000, new string('x', 2000)), "interim reply message of 2000 bytes is over the 1024-byte cap" },
        { Frames.WithLength([2, 0, 0]), "interim reply of 3 bytes is shorter than its fixed fields" },
        { Frames.WithLength([2], declaredLength: 20 * 1024 * 1024), "reply length 20971520 exceeds the 10 MiB cap" },
    };

    [Theory]
    [MemberData(nameof(HostileInterims))]
    public async Task A_hostile_interim_reply_is_a_failed_sidecar(byte[] frame, string problem)
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Scripted(dir.File("s.sock"), async (self, _, connection) =>
        {
            await connection.SendAsync(frame, SocketFlags.None);
            await self.Released;
        });

        var result = await RunAsync(dir, sidecar, timeoutMs: "3000");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("policy unavailable (sidecar failed: " + problem + ")", result.StderrText);
    }

    [Fact]
    public async Task An_interim_message_is_shown_on_one_line_with_control_characters_made_harmless()
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Scripted(dir.File("s.sock"), async (_, _, connection) =>
        {
            await connection.SendAsync(Frames.Interim(10_000, "wait\n\u001b[31mfor\rme"), SocketFlags.None);
            await connection.SendAsync(Frames.Reply(0, Allowed, []), SocketFlags.None);
        });

        var result = await RunAsync(dir, sidecar);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hookline: wait??[31mfor?me\n", result.StderrText);
    }
}
