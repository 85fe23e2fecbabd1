using Xunit.Abstractions;

namespace Hookline.Agents.Tests;

/// <summary>The real Gemini CLI, wired by <c>hookline start --agent gemini</c>, against a fake Gemini API.</summary>
public sealed class GeminiCliTests(ITestOutputHelper output)
{
    /// <summary>API-key auth on the fake API; no usage statistics, and no ripgrep download attempt (it stalls offline).</summary>
    internal static string Configure(AgentRun run)
    {
        var settings = Path.Combine(run.Home, ".gemini", "settings.json");
        Directory.CreateDirectory(Path.GetDirectoryName(settings)!);
        File.WriteAllText(settings, """
            {
              "security": { "auth": { "selectedType": "gemini-api-key" } },
              "privacy": { "usageStatisticsEnabled": false },
              "tools": { "useRipgrep": false }
            }
            """);
        run.Environment["GOOGLE_GEMINI_BASE_URL"] = "{API_URL}";
        run.Environment["GEMINI_API_KEY"] = "fake-key";
        run.Environment["GEMINI_CLI_TRUST_WORKSPACE"] = "true";
        return settings;
    }

    internal static readonly string[] Prompt = ["-p", "Run the scripted commands.", "-m", "gemini-2.5-pro", "--approval-mode", "yolo"];

    /// <summary>Gemini CLI (a node program) may linger after its last turn; the launcher then stops it.</summary>
    internal const string StopMarker = "node";

    [SkippableFact]
    public async Task Deny_ask_and_allow_reach_gemini_cli_and_its_model_and_the_audit_trail()
    {
        AgentClients.RequireClient("gemini");
        using var run = new AgentRun(output);
        var before = AgentRun.Snapshot(Configure(run));

        await run.RunAsync([run.Denied, run.Asked, run.Allowed], run.Start("gemini", Prompt), StopMarker);

        Expect.DeniedAndToldTheModel(run);
        // Gemini hooks have no ask: it becomes a deny that says approval is needed.
        Assert.False(run.Exists("ask-me.txt"), "the asked command ran");
        Assert.Contains(run.ModelRequests(), body => body.Contains("approval needed", StringComparison.Ordinal));
        Expect.AllowedRan(run);
        Expect.Audited(await run.EventsAsync());
        AgentRun.AssertUnchanged(before);
    }

    [SkippableFact]
    public async Task A_rule_that_rewrites_the_command_makes_gemini_cli_run_the_rewritten_one()
    {
        AgentClients.RequireClient("gemini");
        using var run = new AgentRun(output);
        Configure(run);
        Expect.UseRewritingPolicy(run);

        await run.RunAsync([Expect.RewriteCommand(run)], run.Start("gemini", Prompt), StopMarker);

        Expect.RewrittenRanInstead(run);
    }

    [SkippableFact]
    public async Task With_the_sidecar_down_installed_fail_closed_hooks_keep_the_tool_from_running()
    {
        AgentClients.RequireClient("gemini");
        using var run = new AgentRun(output);
        Configure(run);
        await run.InstallAsync("gemini");
        run.Environment["HOOKLINE_SOCKET"] = run.DeadSocket;

        await run.RunAsync([run.Allowed], [AgentClients.Client("gemini"), .. Prompt], StopMarker);

        Expect.BlockedWithoutSidecar(run, "gemini");
    }
}
