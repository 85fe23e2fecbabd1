using System.Text.Json;
using Xunit.Abstractions;

namespace Hookline.Agents.Tests;

/// <summary>
/// Coverage from the agent's own record: real Claude Code, wired by <c>hookline start</c>, writes its transcript; on
/// Stop and SessionEnd the sidecar reads it (it passes every check: this user's regular file below
/// <c>~/.claude/projects</c>) and sends the tool calls it shows as executed with the event.
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
        var asked = transcripts.SelectMany(ToolUses).ToList();
        Assert.Equal(2, asked.Count); // the model asked for both
        var allowed = Assert.Single(asked, c => c.Command.Contains("allowed.txt", StringComparison.Ordinal)).Id;
        var denied = Assert.Single(asked, c => c.Command.Contains("forbidden.txt", StringComparison.Ordinal)).Id;
        var sent = (run.Stdout + run.Stderr).Split('\n').Where(l => l.Contains("executed tool calls sent with", StringComparison.Ordinal)).ToList();
        output.WriteLine("sent: " + string.Join("\n", sent));
        // The allowed call ran and is reported once; the denied one did not run (its result says the hook denied it).
        Assert.Equal(1, sent.Count(l => l.Contains(allowed, StringComparison.Ordinal)));
        Assert.DoesNotContain(sent, l => l.Contains(denied, StringComparison.Ordinal));
        Assert.DoesNotContain("refused, nothing read", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The tool calls a transcript shows the model asked for, read here independently of the sidecar.</summary>
    private static List<(string Id, string Command)> ToolUses(string transcript) =>
        File.ReadLines(transcript)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.TryGetProperty("type", out var type) && type.GetString() == "assistant")
            .SelectMany(e => e.GetProperty("message").GetProperty("content").EnumerateArray())
            .Where(b => b.GetProperty("type").GetString() == "tool_use")
            .Select(b => (b.GetProperty("id").GetString()!, b.GetProperty("input").GetProperty("command").GetString() ?? ""))
            .ToList();
}
