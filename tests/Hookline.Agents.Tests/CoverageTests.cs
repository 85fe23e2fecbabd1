using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Hookline.Agents.Tests;

/// <summary>
/// Coverage with a real client: a tool call that ran without a PreToolUse decision is caught from what the agent
/// reported afterwards, and shown with its cause by <c>hookline coverage</c> and in <c>/metrics</c>.
/// </summary>
public sealed class CoverageTests(ITestOutputHelper output)
{
    /// <summary>
    /// Hookline's hooks installed for Claude Code, then the user's own edit narrows the PreToolUse matcher to
    /// <c>Write</c> (a matcher that does not cover the tool the model calls). Bash then runs with no decision asked;
    /// PostToolUse, still wired for every tool, reports it, and the server flags it <c>no_hook</c>.
    /// </summary>
    [SkippableFact]
    public async Task A_tool_call_the_PreToolUse_matcher_missed_is_flagged_ungoverned_in_coverage_and_metrics()
    {
        AgentClients.RequireClient("claude");
        using var run = new AgentRun(output);
        ClaudeCodeTests.Configure(run);
        await run.InstallAsync("claude");
        var settings = Path.Combine(run.Home, ".claude", "settings.json");
        var json = JsonNode.Parse(File.ReadAllText(settings))!.AsObject();
        foreach (var group in json["hooks"]!["PreToolUse"]!.AsArray())
        {
            group!["matcher"] = "Write";
        }
        // Without a PreToolUse answer, claude -p needs its own permission to run Bash.
        json["permissions"] = JsonNode.Parse("""{ "allow": [ "Bash" ] }""");
        File.WriteAllText(settings, json.ToJsonString());
        run.Environment["HOOKLINE_HOOK_TIMEOUT_MS"] = "30000";

        await using var daemon = await UserDaemon.StartAsync(run);
        await run.RunAsync([run.Allowed], [AgentClients.Client("claude"), .. ClaudeCodeTests.Prompt]);

        Expect.AllowedRan(run);
        Assert.DoesNotContain(await run.EventsAsync(), e => e.GetProperty("hook_event").GetString() == "PreToolUse");
        // The PostToolUse is stored after the sidecar passed it on: poll the read API until coverage shows it.
        var call = await Eventually.FoundAsync(async () =>
        {
            var (exit, stdout, stderr) = await run.HooklineAsync("coverage", "--server", daemon.HttpUrl, "--json");
            Assert.True(exit == 0, "hookline coverage failed: " + stderr);
            using var view = JsonDocument.Parse(stdout);
            return view.RootElement.GetProperty("calls").EnumerateArray()
                .FirstOrDefault(c => c.GetProperty("tool_name").GetString() == "Bash") is { ValueKind: JsonValueKind.Object } found ? found.GetRawText() : null;
        }, TimeSpan.FromSeconds(60), () => "coverage never showed the Bash call");
        output.WriteLine("coverage: " + call);
        using var parsed = JsonDocument.Parse(call);
        var c = parsed.RootElement;
        Assert.Equal(("ungoverned", "no_hook", "post_tool_use", JsonValueKind.Null),
            (c.GetProperty("status").GetString(), c.GetProperty("cause").GetString(), c.GetProperty("ran_source").GetString(), c.GetProperty("decision").ValueKind));
        Assert.StartsWith("toolu_", c.GetProperty("tool_use_id").GetString(), StringComparison.Ordinal);

        var text = await run.HooklineAsync("coverage", "--server", daemon.HttpUrl, "--session", c.GetProperty("session_id").GetString()!);
        output.WriteLine(text.Stdout);
        Assert.Contains("ungoverned 1 (no_hook 1)", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("UNGOVERNED no_hook", text.Stdout, StringComparison.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var metrics = (await http.GetStringAsync(daemon.HttpUrl + "/metrics")).Split('\n');
        Assert.Contains("hookline_ungoverned_tool_calls_total{cause=\"no_hook\"} 1", metrics);
    }
}
