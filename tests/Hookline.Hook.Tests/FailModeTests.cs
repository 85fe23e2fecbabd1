using System.Net.Sockets;

namespace Hookline.Hook.Tests;

/// <summary>Without a usable sidecar the hook applies HOOKLINE_FAIL_MODE, at once when the socket is absent.</summary>
public sealed class FailModeTests
{
    /// <summary>Far below the 5 s default timeout: proves no wait happened, without timing the hook's speed.</summary>
    private static readonly TimeSpan AtOnce = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Missing_socket_fail_closed_blocks_a_blocking_event_at_once_with_a_reason()
    {
        using var dir = new TempDir();

        var result = await RunAsync(dir, "claude", "pre-tool-use", dir.File("absent.sock"));

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Stdout);
        var line = Assert.Single(result.StderrText.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("hookline: policy unavailable (sidecar unreachable: ", line);
        Assert.Contains("absent.sock", line);
        Assert.EndsWith("; blocked (fail mode closed)", line);
        Assert.True(result.Elapsed < AtOnce, $"took {result.Elapsed}");
    }

    [Fact]
    public async Task Missing_socket_fail_closed_allows_a_non_blocking_event_silently()
    {
        using var dir = new TempDir();

        var result = await RunAsync(dir, "claude", "post-tool-use", dir.File("absent.sock"));

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Empty(result.Stderr);
    }

    [Fact]
    public async Task Missing_socket_fail_open_allows_a_blocking_event_at_once_silently()
    {
        using var dir = new TempDir();

        var result = await RunAsync(dir, "claude", "pre-tool-use", dir.File("absent.sock"), failMode: "open");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Empty(result.Stderr);
        Assert.True(result.Elapsed < AtOnce, $"took {result.Elapsed}");
    }

    [Fact]
    public async Task A_socket_that_is_bound_but_not_listening_refuses_and_fails_closed_at_once()
    {
        using var dir = new TempDir();
        using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        bound.Bind(new UnixDomainSocketEndPoint(dir.File("bound.sock")));

        var result = await RunAsync(dir, "codex", "permission-request", dir.File("bound.sock"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Connection refused", result.StderrText);
        Assert.True(result.Elapsed < AtOnce, $"took {result.Elapsed}");
    }

    [Fact]
    public async Task No_socket_configured_and_no_daemon_fails_closed_at_once_naming_the_daemon_socket()
    {
        using var dir = new TempDir();

        var result = await RunAsync(dir, "claude", "user-prompt-submit", socket: null);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("hookline-tests-no-runtime-dir/hookline/sidecar.sock", result.StderrText);
        Assert.Contains("HOOKLINE_SOCKET", result.StderrText);
        Assert.True(result.Elapsed < AtOnce, $"took {result.Elapsed}");
    }

    [Fact]
    public async Task A_sidecar_that_accepts_but_never_answers_fails_closed_after_the_timeout()
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => null);

        var result = await RunAsync(dir, "claude", "pre-tool-use", sidecar.SocketPath, timeoutMs: "300");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("sidecar silent: no reply length within 300 ms", result.StderrText);
        Assert.Equal(Frames.RequestPayload("claude", "pre-tool-use", 0, "{}"u8.ToArray()), await sidecar.Request);
    }

    [Fact]
    public async Task A_sidecar_that_never_reads_a_large_request_fails_closed_after_the_timeout()
    {
        using var dir = new TempDir();
        using var neverAccepts = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        neverAccepts.Bind(new UnixDomainSocketEndPoint(dir.File("s.sock")));
        neverAccepts.Listen(1);

        // 4 MiB cannot fit the socket buffers, so the send itself has to wait for the deadline.
        var result = await HookRun.RunAsync(
            ["--agent", "claude", "--event", "pre-tool-use", "--socket", dir.File("s.sock")],
            new byte[4 * 1024 * 1024],
            new Dictionary<string, string>
            {
                ["HOOKLINE_ORPHAN_FILE"] = dir.File("orphans.jsonl"),
                ["HOOKLINE_HOOK_TIMEOUT_MS"] = "300",
            });

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("sidecar silent: request not taken within 300 ms", result.StderrText);
    }

    [Fact]
    public async Task A_silent_sidecar_fail_open_allows_after_the_timeout()
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => null);

        var result = await RunAsync(dir, "claude", "pre-tool-use", sidecar.SocketPath, failMode: "open", timeoutMs: "300");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Stderr);
    }

    [Fact]
    public async Task An_unrecognised_fail_mode_means_closed_and_says_so()
    {
        using var dir = new TempDir();

        var result = await RunAsync(dir, "claude", "pre-tool-use", dir.File("absent.sock"), failMode: "opne");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("HOOKLINE_FAIL_MODE 'opne' is not closed or open, so closed applies", result.StderrText);
        Assert.EndsWith("blocked (fail mode closed)\n", result.StderrText);
    }

    [Theory]
    [InlineData("claude", "pre-tool-use", true)]
    [InlineData("claude", "permission-request", true)]
    [InlineData("claude", "user-prompt-submit", true)]
    [InlineData("claude", "session-start", false)]
    [InlineData("codex", "pre-tool-use", true)]
    [InlineData("codex", "post-tool-use", false)]
    [InlineData("gemini", "before-tool", true)]
    [InlineData("gemini", "before-agent", true)]
    [InlineData("gemini", "after-tool", false)]
    [InlineData("cursor", "before-shell-execution", true)]
    [InlineData("cursor", "before-mcp-execution", true)]
    [InlineData("cursor", "before-read-file", true)]
    [InlineData("cursor", "before-submit-prompt", true)]
    [InlineData("cursor", "pre-tool-use", true)]
    [InlineData("cursor", "after-file-edit", false)]
    [InlineData("someagent", "anything", true)]
    public async Task Fail_closed_blocks_exactly_the_blocking_events(string agent, string hookEvent, bool blocks)
    {
        using var dir = new TempDir();

        var result = await RunAsync(dir, agent, hookEvent, dir.File("absent.sock"));

        Assert.Equal(blocks ? 2 : 0, result.ExitCode);
        Assert.Equal(blocks, result.Stderr.Length > 0);
    }

    private static Task<HookResult> RunAsync(
        TempDir dir, string agent, string hookEvent, string? socket, string? failMode = null, string? timeoutMs = null)
    {
        var env = new Dictionary<string, string> { ["HOOKLINE_ORPHAN_FILE"] = dir.File("orphans.jsonl") };
        if (failMode is not null)
        {
            env["HOOKLINE_FAIL_MODE"] = failMode;
        }
        if (timeoutMs is not null)
        {
            env["HOOKLINE_HOOK_TIMEOUT_MS"] = timeoutMs;
        }
        string[] args = socket is null
            ? ["--agent", agent, "--event", hookEvent]
            : ["--agent", agent, "--event", hookEvent, "--socket", socket];
        return HookRun.RunAsync(args, "{}"u8.ToArray(), env);
    }
}
