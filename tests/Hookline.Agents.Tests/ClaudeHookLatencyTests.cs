using System.Globalization;
using System.Text.Json;
using Xunit.Abstractions;

namespace Hookline.Agents.Tests;

/// <summary>
/// How long Claude Code waits for each Hookline hook, per transport, as Claude itself reports it: with
/// <c>--include-hook-events</c> it prints a <c>hook_started</c> line before it runs a hook and a <c>hook_response</c>
/// line after it has the result; the launcher stamps each stdout line as it arrives. The figures go to the test
/// output (docs/agents.md quotes them); the test asserts only that every hook was seen and every allowed command ran.
/// </summary>
public sealed class ClaudeHookLatencyTests(ITestOutputHelper output)
{
    private const int Commands = 15;

    [SkippableTheory]
    [InlineData("command")]
    [InlineData("http")]
    public async Task Every_pre_tool_use_hook_is_timed_as_claude_code_sees_it(string transport)
    {
        AgentClients.RequireClient("claude");
        using var run = new AgentRun(output);
        ClaudeCodeTests.Configure(run);
        var commands = Enumerable.Range(1, Commands).Select(i => $"touch {run.Project}/allowed-{i}.txt").ToArray();

        await run.RunAsync(commands,
        [
            AgentClients.Hookline, "start", "--agent", "claude", "--transport", transport, "--policy", run.PolicyFile,
            "--agent-command", AgentClients.Client("claude"), "--", .. ClaudeCodeTests.Prompt, "--include-hook-events",
        ]);

        for (var i = 1; i <= Commands; i++)
        {
            Assert.True(run.Exists($"allowed-{i}.txt"), $"allowed command {i} did not run");
        }
        var preToolUse = HookDurations(Path.Combine(run.Directory, "client.stdout.times"), "PreToolUse");
        var postToolUse = HookDurations(Path.Combine(run.Directory, "client.stdout.times"), "PostToolUse");
        Assert.True(preToolUse.Count >= Commands, $"only {preToolUse.Count} PreToolUse hooks were timed");
        output.WriteLine($"hook latency, claude, {transport}: {Summary("PreToolUse", preToolUse)}; {Summary("PostToolUse", postToolUse)}");
    }

    /// <summary>Microseconds from each hook_started to its hook_response, for one hook event.</summary>
    private static List<long> HookDurations(string timesFile, string hookEvent)
    {
        var started = new Dictionary<string, long>(StringComparer.Ordinal);
        var durations = new List<long>();
        foreach (var line in File.ReadLines(timesFile))
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab < 0 || !line.AsSpan(tab + 1).StartsWith("{"))
            {
                continue;
            }
            using var json = JsonDocument.Parse(line[(tab + 1)..]);
            var root = json.RootElement;
            if (!root.TryGetProperty("subtype", out var subtype) || !root.TryGetProperty("hook_id", out var id)
                || root.GetProperty("hook_event").GetString() != hookEvent)
            {
                continue;
            }
            var at = long.Parse(line[..tab], CultureInfo.InvariantCulture);
            if (subtype.GetString() == "hook_started")
            {
                started[id.GetString()!] = at;
            }
            else if (subtype.GetString() == "hook_response" && started.Remove(id.GetString()!, out var begin))
            {
                durations.Add(at - begin);
            }
        }
        return durations;
    }

    private static string Summary(string name, List<long> microseconds)
    {
        if (microseconds.Count == 0)
        {
            return name + " none";
        }
        var sorted = microseconds.Order().ToArray();
        long Rank(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return $"{name} n {sorted.Length} p50 {Rank(0.5)} µs p90 {Rank(0.9)} µs p99 {Rank(0.99)} µs max {sorted[^1]} µs";
    }
}
