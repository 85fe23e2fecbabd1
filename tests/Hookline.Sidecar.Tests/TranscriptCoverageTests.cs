using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.Transcripts;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Through a real sidecar: Claude Code's Stop and SessionEnd hooks carry the tool calls its transcript shows since the
/// last report to the server, in <see cref="HookEvent.ExecutedCalls"/>, ids and names only.
/// </summary>
public sealed class TranscriptCoverageTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Root => _dir.File("claude/projects");

    private async Task<(SnapshotPushServer Server, HooklineSidecar Sidecar)> StartAsync()
    {
        var server = await SnapshotPushServer.StartAsync();
        server.Pushes.Writer.TryWrite(new PolicySnapshot
        {
            Epoch = 1, Hash = "hash-1", Document = "version: 1\n", Mode = PolicyMode.Enforce,
            IssuedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        });
        var sidecar = await HooklineSidecar.StartAsync(new SidecarOptions
        {
            ServerUrl = server.Url,
            SocketPath = _dir.File($"s{Guid.NewGuid():N}"[..12] + ".sock"),
            StateDirectory = _dir.File("state"),
            OrphanFile = _dir.File("orphans.jsonl"),
            WarmupTimeout = TimeSpan.FromSeconds(10),
            // A budget no test machine misses: what is measured here is what is sent, not how fast.
            Transcripts = TranscriptLimits.Default() with { Directories = [Root], Budget = TimeSpan.FromSeconds(10) },
        });
        return (server, sidecar);
    }

    private static string Hook(string hookEvent, string transcriptPath, string? agentTranscriptPath = null)
    {
        var hook = new Dictionary<string, object>
        {
            ["session_id"] = "81653179-3af1-43da-a5f2-9bf8149f4ce4",
            ["transcript_path"] = transcriptPath,
            ["cwd"] = "/home/dev/proj",
            ["hook_event_name"] = hookEvent,
        };
        if (agentTranscriptPath is not null)
        {
            hook["agent_id"] = "a1";
            hook["agent_transcript_path"] = agentTranscriptPath;
        }
        return JsonSerializer.Serialize(hook);
    }

    private static async Task<HookEvent> NextAsync(SnapshotPushServer server, string hookEventName)
    {
        using var timeout = new CancellationTokenSource(Bound.Hang);
        while (true)
        {
            var sent = await server.Events.Reader.ReadAsync(timeout.Token);
            if (sent.HookEventName == hookEventName)
            {
                return sent;
            }
        }
    }

    [Fact]
    public async Task Stop_and_session_end_send_the_calls_not_reported_before_and_nothing_of_their_input()
    {
        var (server, sidecar) = await StartAsync();
        await using var _ = server;
        await using var __ = sidecar;
        var path = Path.Combine(Root, "-home-dev-proj", "81653179-3af1-43da-a5f2-9bf8149f4ce4.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, TranscriptReaderTests.Call("toolu_a", command: "curl -H 'Authorization: Bearer sk-live-SECRET123' x")
            + TranscriptReaderTests.Call("toolu_b", "mcp__github__create_issue"));

        var stopReply = await HookClient.SendAsync(sidecar.SocketPath, "claude", "stop", Hook("Stop", path));
        var stop = await NextAsync(server, "Stop");

        Assert.Equal(0, stopReply.ExitCode);
        Assert.Equal(["toolu_a", "toolu_b"], stop.ExecutedCalls.Select(c => c.ToolUseId));
        Assert.Equal(["Bash", "mcp__github__create_issue"], stop.ExecutedCalls.Select(c => c.NativeToolName));
        Assert.All(stop.ExecutedCalls, c => Assert.Equal("transcript", c.Source));
        Assert.DoesNotContain("SECRET123", Encoding.UTF8.GetString(stop.ToByteArray()), StringComparison.Ordinal);

        File.AppendAllText(path, TranscriptReaderTests.Call("toolu_c", "Read"));
        await HookClient.SendAsync(sidecar.SocketPath, "claude", "session-end", Hook("SessionEnd", path));
        var end = await NextAsync(server, "SessionEnd");

        Assert.Equal(["toolu_c"], end.ExecutedCalls.Select(c => c.ToolUseId));
    }

    [Fact]
    public async Task A_transcript_path_outside_the_agents_directory_is_answered_and_sent_without_calls()
    {
        var (server, sidecar) = await StartAsync();
        await using var _ = server;
        await using var __ = sidecar;
        var path = _dir.File("elsewhere.jsonl");
        File.WriteAllText(path, TranscriptReaderTests.Call("toolu_outside"));

        var reply = await HookClient.SendAsync(sidecar.SocketPath, "claude", "stop", Hook("Stop", path));
        var stop = await NextAsync(server, "Stop");

        Assert.Equal(0, reply.ExitCode);
        Assert.Empty(stop.ExecutedCalls);
    }

    [Fact]
    public async Task Subagent_stop_sends_the_calls_of_the_subagents_own_transcript()
    {
        var (server, sidecar) = await StartAsync();
        await using var _ = server;
        await using var __ = sidecar;
        // Where Claude Code 2.1.328 keeps a subagent's transcript: beside the session's, in <session>/subagents/.
        var session = Path.Combine(Root, "-home-dev-proj", "81653179-3af1-43da-a5f2-9bf8149f4ce4.jsonl");
        var subagent = Path.Combine(Root, "-home-dev-proj", "81653179-3af1-43da-a5f2-9bf8149f4ce4", "subagents", "agent-a1.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(subagent)!);
        File.WriteAllText(session, TranscriptReaderTests.Call("toolu_task", "Task"));
        File.WriteAllText(subagent, TranscriptReaderTests.Call("toolu_in_subagent", "Grep"));

        await HookClient.SendAsync(sidecar.SocketPath, "claude", "subagent-stop", Hook("SubagentStop", session, subagent));
        var stop = await NextAsync(server, "SubagentStop");

        Assert.Equal(["toolu_in_subagent", "toolu_task"], stop.ExecutedCalls.Select(c => c.ToolUseId));
        Assert.Equal(["Grep", "Task"], stop.ExecutedCalls.Select(c => c.NativeToolName));
    }
}
