using System.Text;
using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.Transcripts;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Sidecar.Tests;

/// <summary>When the transcript is read, and which hooks name one.</summary>
public sealed class ExecutedCallsTests
{
    private static byte[] Stdin(string json) => Encoding.UTF8.GetBytes(json);

    private const string Stop = """{"session_id":"s","transcript_path":"/home/dev/.claude/projects/p/s.jsonl","hook_event_name":"Stop"}""";

    [Fact]
    public async Task A_slow_read_never_holds_the_answer_past_the_budget_and_what_it_finds_goes_with_the_next_event()
    {
        var time = new FakeTimeProvider();
        using var release = new ManualResetEventSlim();
        var reads = 0;
        var calls = new ExecutedCalls((_, found) =>
        {
            if (Interlocked.Increment(ref reads) == 1)
            {
                release.Wait(Bound.Hang); // a transcript on a stuck disk
                found.Add(new ExecutedToolCall { ToolUseId = "toolu_slow", ToolName = "Bash", NativeToolName = "Bash", Source = "transcript" });
            }
        }, TimeSpan.FromMilliseconds(50), time, NullLogger.Instance);

        var stop = new HookEvent { HookEventName = "Stop" };
        var answered = calls.AttachAsync("claude", "stop", Stdin(Stop), stop).AsTask();
        Assert.False(answered.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(50));
        await answered.WaitAsync(Bound.Hang);
        Assert.Empty(stop.ExecutedCalls);

        release.Set();
        var end = new HookEvent { HookEventName = "SessionEnd" };
        await calls.AttachAsync("claude", "session-end", Stdin(Stop.Replace("Stop", "SessionEnd", StringComparison.Ordinal)), end).AsTask().WaitAsync(Bound.Hang);
        Assert.Equal(["toolu_slow"], end.ExecutedCalls.Select(c => c.ToolUseId));
    }

    [Fact]
    public void Claudes_stop_subagent_stop_and_session_end_name_transcripts_other_hooks_and_agents_do_not()
    {
        const string Subagent = """{"transcript_path":"/t/s.jsonl","agent_transcript_path":"/t/s/subagents/agent-a1.jsonl","hook_event_name":"SubagentStop"}""";

        Assert.Equal(["/home/dev/.claude/projects/p/s.jsonl"], ExecutedCalls.PathsOf("claude", "stop", Stdin(Stop)));
        Assert.Equal(["/t/s/subagents/agent-a1.jsonl", "/t/s.jsonl"], ExecutedCalls.PathsOf("claude", "subagent-stop", Stdin(Subagent)));
        Assert.Empty(ExecutedCalls.PathsOf("claude", "post-tool-use", Stdin(Stop)));
        Assert.Empty(ExecutedCalls.PathsOf("codex", "stop", Stdin(Stop)));
        Assert.Empty(ExecutedCalls.PathsOf("claude", "stop", Stdin("""{"transcript_path":42}""")));
        Assert.Empty(ExecutedCalls.PathsOf("claude", "stop", Stdin("""{"transcript_path":"\ud800"}""")));
    }
}
