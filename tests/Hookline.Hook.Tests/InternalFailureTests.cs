using System.Text;
using System.Text.Json;

namespace Hookline.Hook.Tests;

/// <summary>
/// Qwen Code runs the tool on every hook failure (a crash, a timeout, output it cannot read), GitHub Copilot CLI on a
/// timeout and on output that is not JSON; exit 2 blocks in both. So with the fail mode closed, a failure of the hook
/// itself, forced as a broken machine or a hostile neighbour would, must still end in exit 2 with the agent's deny,
/// never in a Native AOT abort (exit 134), an exit 0 or a hang.
/// </summary>
public sealed class InternalFailureTests
{
    [Theory]
    [MemberData(nameof(BlockingEvents.BeforeATool), MemberType = typeof(BlockingEvents))]
    public async Task A_reply_frame_too_large_for_the_memory_left_is_a_deny_not_an_abort(string agent, string hookEvent)
    {
        using var dir = new TempDir();
        // Within the 10 MiB cap, over what the hook may allocate: out of memory, as on a machine under pressure.
        var huge = Frames.Reply(0, new byte[9 * 1024 * 1024], []);
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => huge);

        var result = await RunAsync(dir, agent, hookEvent, sidecar.SocketPath, new() { ["DOTNET_GCHeapHardLimit"] = "400000" });

        AssertDenied(result, agent, "OutOfMemoryException");
    }

    [Theory]
    [MemberData(nameof(BlockingEvents.BeforeATool), MemberType = typeof(BlockingEvents))]
    public async Task A_relative_socket_path_in_a_deleted_directory_is_a_deny_not_an_abort(string agent, string hookEvent)
    {
        using var dir = new TempDir();
        var gone = dir.File("gone");
        Directory.CreateDirectory(gone);

        // The hook starts in a working directory that no longer exists, so the relative path cannot be resolved.
        var result = await RunAsync(dir, agent, hookEvent, "sidecar.sock", command: Shell("cd \"$0\" && rmdir \"$0\" && exec \"$@\"", gone));

        AssertDenied(result, agent, "hook failed");
    }

    [Theory]
    [MemberData(nameof(BlockingEvents.BeforeATool), MemberType = typeof(BlockingEvents))]
    public async Task Stdin_that_fails_to_read_is_a_deny_and_nothing_is_sent(string agent, string hookEvent)
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => Frames.Reply(0, [], []));

        // A directory as stdin: read(2) fails with EISDIR. The old hook took that for the end of an empty input.
        var result = await RunAsync(dir, agent, hookEvent, sidecar.SocketPath, command: Shell("exec \"$@\" < /", "sh"));

        AssertDenied(result, agent, "reading the hook input on stdin: Is a directory");
        Assert.False(sidecar.GotRequest, "a cut-off input must never be sent to be judged");
    }

    [Theory]
    [MemberData(nameof(BlockingEvents.BeforeATool), MemberType = typeof(BlockingEvents))]
    public async Task Stdin_that_never_ends_is_a_deny_within_the_hooks_timeout(string agent, string hookEvent)
    {
        using var dir = new TempDir();

        // A FIFO opened for reading and writing: no byte ever comes, and no EOF either.
        var result = await RunAsync(dir, agent, hookEvent, dir.File("absent.sock"), new() { ["HOOKLINE_HOOK_TIMEOUT_MS"] = "300" },
            Shell("mkfifo \"$0\" && exec \"$@\" 0<>\"$0\"", dir.File("stdin.fifo")));

        AssertDenied(result, agent, "the hook input on stdin did not end within the hook's timeout");
    }

    [Theory]
    [MemberData(nameof(BlockingEvents.BeforeATool), MemberType = typeof(BlockingEvents))]
    public async Task A_deny_answered_on_stdout_that_cannot_be_written_is_a_deny_by_exit_code(string agent, string hookEvent)
    {
        using var dir = new TempDir();
        // Copilot's and Qwen's deny can be an exit 0 with JSON: lost on a closed stdout, it would read as an allow.
        var deny = """{"permissionDecision":"deny","permissionDecisionReason":"policy"}"""u8.ToArray();
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => Frames.Reply(0, deny, []));

        var result = await RunAsync(dir, agent, hookEvent, sidecar.SocketPath, command: Shell("exec \"$@\" >&-", "sh"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("hook failed: the sidecar's answer could not be written whole to stdout", result.StderrText);
        Assert.EndsWith("blocked (fail mode closed)\n", result.StderrText);
    }

    [Fact]
    public async Task A_deny_answered_on_stdout_that_cannot_be_written_under_fail_open_keeps_the_sidecars_exit_code()
    {
        using var dir = new TempDir();
        await using var sidecar = FakeSidecar.Start(dir.File("s.sock"), _ => Frames.Reply(0, "{}"u8.ToArray(), []));

        var result = await RunAsync(dir, "copilot", "pre-tool-use", sidecar.SocketPath, new() { ["HOOKLINE_FAIL_MODE"] = "open" },
            Shell("exec \"$@\" >&-", "sh"));

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Stderr);
    }

    [Theory]
    [MemberData(nameof(BlockingEvents.BeforeATool), MemberType = typeof(BlockingEvents))]
    public async Task An_unreachable_sidecar_answers_each_agent_in_its_own_deny(string agent, string hookEvent)
    {
        using var dir = new TempDir();

        var result = await RunAsync(dir, agent, hookEvent, dir.File("absent.sock"));

        AssertDenied(result, agent, "sidecar unreachable");
    }

    [Fact]
    public async Task A_hook_timeout_over_the_agents_own_is_capped_and_the_reason_says_so()
    {
        using var dir = new TempDir();

        var result = await RunAsync(dir, "qwen", "pre-tool-use", dir.File("absent.sock"), new() { ["HOOKLINE_HOOK_TIMEOUT_MS"] = "600000" });

        AssertDenied(result, "qwen", "HOOKLINE_HOOK_TIMEOUT_MS 600000 is over the hook's limit of 20000 ms, so the limit applies");
    }

    /// <summary>Exit 2, the reason on stderr, and on stdout the deny of the agents that read one.</summary>
    private static void AssertDenied(HookResult result, string agent, string because)
    {
        Assert.True(result.ExitCode == 2, $"exit {result.ExitCode}: {result.StderrText}");
        var line = Assert.Single(result.StderrText.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("hookline: policy unavailable (", line);
        Assert.Contains(because, line);
        Assert.EndsWith("; blocked (fail mode closed)", line);
        switch (agent)
        {
            case "copilot":
                using (var answer = JsonDocument.Parse(result.Stdout))
                {
                    Assert.Equal("deny", answer.RootElement.GetProperty("permissionDecision").GetString());
                    Assert.Equal(line, answer.RootElement.GetProperty("permissionDecisionReason").GetString());
                }
                break;
            case "qwen":
                using (var answer = JsonDocument.Parse(result.Stdout))
                {
                    var specific = answer.RootElement.GetProperty("hookSpecificOutput");
                    Assert.Equal("PreToolUse", specific.GetProperty("hookEventName").GetString());
                    Assert.Equal("deny", specific.GetProperty("permissionDecision").GetString());
                    Assert.Equal(line, specific.GetProperty("permissionDecisionReason").GetString());
                    Assert.Equal("block", answer.RootElement.GetProperty("decision").GetString());
                }
                break;
            default:
                // Claude Code, Codex and Gemini CLI read stderr with exit 2, and nothing on stdout.
                Assert.True(result.Stdout.Length == 0, Encoding.UTF8.GetString(result.Stdout));
                break;
        }
    }

    /// <summary>The published hook run by <c>sh -c SCRIPT NAME0 HOOK ARGS...</c>: SCRIPT sets up fds or the directory, then execs "$@".</summary>
    private static string[] Shell(string script, string name0) => ["/bin/sh", "-c", script, name0, PublishedHook.Path];

    private static Task<HookResult> RunAsync(TempDir dir, string agent, string hookEvent, string socket,
        Dictionary<string, string>? environment = null, IReadOnlyList<string>? command = null)
    {
        var env = new Dictionary<string, string> { ["HOOKLINE_ORPHAN_FILE"] = dir.File("orphans.jsonl") };
        foreach (var (name, value) in environment ?? [])
        {
            env[name] = value;
        }
        return HookRun.RunAsync(["--agent", agent, "--event", hookEvent, "--socket", socket],
            """{"session_id":"s","tool_name":"Bash","tool_input":{"command":"rm -rf ~"}}"""u8.ToArray(), env, command);
    }
}
