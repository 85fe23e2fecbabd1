using System.Text;

namespace Hookline.Hook.Tests;

/// <summary>The hook relays the sidecar's answer byte for byte and sends the request frame exactly as specified.</summary>
public sealed class RoundTripTests
{
    private static readonly string[] ClaudePreToolUse = ["--agent", "claude", "--event", "pre-tool-use"];

    [Fact]
    public async Task Relays_exit_code_stdout_and_stderr_bytes_exactly()
    {
        using var dir = new TempDir();
        var stdout = new byte[] { 0x7b, 0x00, 0xff, 0x0a, 0xc3, 0xa9, 0x0d };
        var stderr = Encoding.UTF8.GetBytes("denied: rm -rf ✗\nsecond line");
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => Frames.Reply(7, stdout, stderr));

        var result = await HookRun.RunAsync([.. ClaudePreToolUse, "--socket", sidecar.SocketPath], "{}"u8.ToArray(), Env(dir));

        Assert.Equal(7, result.ExitCode);
        Assert.Equal(stdout, result.Stdout);
        Assert.Equal(stderr, result.Stderr);
        Assert.False(File.Exists(dir.File("orphans.jsonl")), "an answered event is not an orphan");
    }

    [Fact]
    public async Task Relays_a_claude_deny_answer_with_exit_zero_and_empty_stderr()
    {
        using var dir = new TempDir();
        var deny = Encoding.UTF8.GetBytes(
            """{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"no"}}""");
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => Frames.Reply(0, deny, []));

        var result = await HookRun.RunAsync([.. ClaudePreToolUse, "--socket", sidecar.SocketPath], "{}"u8.ToArray(), Env(dir));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(deny, result.Stdout);
        Assert.Empty(result.Stderr);
    }

    [Fact]
    public async Task Sends_agent_event_and_raw_stdin_in_the_specified_frame()
    {
        using var dir = new TempDir();
        var stdin = Encoding.UTF8.GetBytes("""{"tool_input":{"command":"echo héllo ✓"}}""")
            .Concat(new byte[] { 0x00, 0xff, 0xfe, 0x0a, 0x01 }).ToArray();
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => Frames.Reply(0, [], []));

        var result = await HookRun.RunAsync(
            ["--agent", "gemini", "--event", "before-tool", "--socket", sidecar.SocketPath], stdin, Env(dir));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Frames.RequestPayload("gemini", "before-tool", flags: 0, stdin), await sidecar.Request);
    }

    [Fact]
    public async Task Sends_an_empty_stdin_as_a_header_only_frame()
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => Frames.Reply(0, [], []));

        var result = await HookRun.RunAsync([.. ClaudePreToolUse, "--socket", sidecar.SocketPath], [], Env(dir));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Frames.RequestPayload("claude", "pre-tool-use", flags: 0, []), await sidecar.Request);
    }

    [Fact]
    public async Task Uses_HOOKLINE_SOCKET_when_no_socket_argument_is_given()
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => Frames.Reply(0, "via env"u8.ToArray(), []));
        var env = Env(dir);
        env["HOOKLINE_SOCKET"] = sidecar.SocketPath;

        var result = await HookRun.RunAsync(ClaudePreToolUse, "{}"u8.ToArray(), env);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("via env"u8.ToArray(), result.Stdout);
    }

    [Fact]
    public async Task Stdin_over_the_cap_is_cut_flagged_and_drained_and_the_answer_still_relayed()
    {
        using var dir = new TempDir();
        var header = Frames.RequestPayload("claude", "post-tool-use", 0, []).Length;
        var stdin = Pattern(Frames.Cap + 300_000);
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => Frames.Reply(0, "ok"u8.ToArray(), []));

        var result = await HookRun.RunAsync(
            ["--agent", "claude", "--event", "post-tool-use", "--socket", sidecar.SocketPath], stdin, Env(dir));

        var request = await sidecar.Request;
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("ok"u8.ToArray(), result.Stdout);
        Assert.Equal(Frames.Cap, request.Length);
        Assert.Equal(1, request[1] & 1);
        Assert.True(request.AsSpan(header).SequenceEqual(stdin.AsSpan(0, Frames.Cap - header)), "the forwarded stdin is its prefix");
    }

    [Fact]
    public async Task Stdin_that_exactly_fills_the_cap_is_not_flagged()
    {
        using var dir = new TempDir();
        var header = Frames.RequestPayload("claude", "post-tool-use", 0, []).Length;
        var stdin = Pattern(Frames.Cap - header);
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => Frames.Reply(0, [], []));

        var result = await HookRun.RunAsync(
            ["--agent", "claude", "--event", "post-tool-use", "--socket", sidecar.SocketPath], stdin, Env(dir));

        var request = await sidecar.Request;
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(Frames.RequestPayload("claude", "post-tool-use", flags: 0, stdin), request);
    }

    /// <summary>Bytes that differ under any shift, so a misplaced or reordered chunk cannot compare equal.</summary>
    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i ^ (i >> 8) ^ (i >> 16));
        }
        return bytes;
    }

    private static Dictionary<string, string> Env(TempDir dir) => new() { ["HOOKLINE_ORPHAN_FILE"] = dir.File("orphans.jsonl") };
}
