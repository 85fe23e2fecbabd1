using System.Text.Json;
using Xunit.Abstractions;

namespace Hookline.Agents.Tests;

/// <summary>
/// Coverage from the agent's own record: real Claude Code, wired by <c>hookline start</c>, writes its transcript; on
/// Stop and SessionEnd the sidecar reads it (it passes every check: this user's regular file below
/// <c>~/.claude/projects</c>) and sends the tool calls it shows with the event.
/// </summary>
public sealed class ClaudeTranscriptTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task The_tool_calls_claude_codes_transcript_shows_go_to_the_server_with_its_stop_and_session_end()
    {
        AgentClients.RequireClient("claude");
        using var run = new AgentRun(output);
        ClaudeCodeTests.Configure(run);
        var start = run.Start("claude", ClaudeCodeTests.Prompt).ToList();
        start.InsertRange(2, ["--log-level", "Information"]); // the sidecar says what it sent

        await run.RunAsync([run.Denied, run.Allowed], start);

        Expect.AllowedRan(run);
        var transcripts = Directory.GetFiles(Path.Combine(run.Home, ".claude", "projects"), "*.jsonl", SearchOption.AllDirectories);
        var ids = transcripts.SelectMany(ToolUseIds).ToList();
        Assert.Equal(2, ids.Count); // the denied call and the allowed one: the model asked for both
        var sent = (run.Stdout + run.Stderr).Split('\n').Where(l => l.Contains("executed tool calls sent with", StringComparison.Ordinal)).ToList();
        output.WriteLine("sent: " + string.Join("\n", sent));
        Assert.All(ids, id => Assert.Contains(sent, l => l.Contains(id, StringComparison.Ordinal)));
        Assert.Equal(ids.Count, sent.Sum(l => ids.Count(l.Contains))); // each call once
        Assert.DoesNotContain(run.Stdout + run.Stderr, "refused, nothing read", StringComparison.Ordinal);
    }

    /// <summary>The tool_use ids of a transcript, read here independently of the sidecar.</summary>
    private static IEnumerable<string> ToolUseIds(string transcript) =>
        File.ReadLines(transcript)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.TryGetProperty("type", out var type) && type.GetString() == "assistant")
            .SelectMany(e => e.GetProperty("message").GetProperty("content").EnumerateArray())
            .Where(b => b.GetProperty("type").GetString() == "tool_use")
            .Select(b => b.GetProperty("id").GetString()!)
            .ToList();
}
