namespace Hookline.Hook.Tests;

/// <summary>A reply that is not a well-formed version-1 frame is a sidecar failure, never a success.</summary>
public sealed class MalformedReplyTests
{
    public static TheoryData<string, byte[]> BadReplies()
    {
        // Every bad reply says "exit 0, stdout LEAK": relaying any of it would look like an allow.
        var leak = "LEAK"u8.ToArray();
        var valid = Frames.Reply(0, leak, []);
        return new TheoryData<string, byte[]>
        {
            { "wrong version", Frames.Reply(0, leak, [], version: 2) },
            { "connection closed without a reply", [] },
            { "length prefix cut short", [0, 0] },
            { "payload shorter than its length says", valid[..^3] },
            { "declared length over the 10 MiB cap", Frames.WithLength(valid[4..], declaredLength: 10 * 1024 * 1024 + 1) },
            { "payload shorter than the fixed fields", Frames.WithLength([1, 0, 0, 0, 0]) },
            { "stdout length overruns the frame", Frames.WithLength([1, 0, 0, 0, 0, 9, .. leak, 0, 0, 0, 0]) },
            { "stderr length overruns the frame", Frames.WithLength([1, 0, 0, 0, 0, 4, .. leak, 0, 0, 0, 1]) },
            { "trailing bytes after stderr", Frames.WithLength([.. valid[4..], 0x20]) },
        };
    }

    [Theory]
    [MemberData(nameof(BadReplies))]
    public async Task A_bad_reply_fails_closed_for_a_blocking_event(string what, byte[] reply)
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => reply);

        var result = await HookRun.RunAsync(
            ["--agent", "claude", "--event", "pre-tool-use", "--socket", sidecar.SocketPath],
            "{}"u8.ToArray(),
            new Dictionary<string, string> { ["HOOKLINE_ORPHAN_FILE"] = dir.File("orphans.jsonl") });

        Assert.True(result.ExitCode == 2, what + ": exit " + result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.StartsWith("hookline: policy unavailable (sidecar failed: ", result.StderrText);
        Assert.True(File.Exists(dir.File("orphans.jsonl")), what + ": the hook's own decision is recorded");
    }

    [Fact]
    public async Task A_bad_reply_under_fail_open_allows_without_relaying_it()
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => Frames.Reply(2, "LEAK"u8.ToArray(), [], version: 9));

        var result = await HookRun.RunAsync(
            ["--agent", "claude", "--event", "pre-tool-use", "--socket", sidecar.SocketPath],
            "{}"u8.ToArray(),
            new Dictionary<string, string>
            {
                ["HOOKLINE_ORPHAN_FILE"] = dir.File("orphans.jsonl"),
                ["HOOKLINE_FAIL_MODE"] = "open",
            });

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Empty(result.Stderr);
    }
}
