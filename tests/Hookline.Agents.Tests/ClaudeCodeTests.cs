using Xunit.Abstractions;

namespace Hookline.Agents.Tests;

/// <summary>The real Claude Code CLI, wired by <c>hookline start --agent claude</c>, against a fake Messages API.</summary>
public sealed class ClaudeCodeTests(ITestOutputHelper output)
{
    internal static void Configure(AgentRun run)
    {
        run.Environment["ANTHROPIC_BASE_URL"] = "{API_URL}";
        run.Environment["ANTHROPIC_API_KEY"] = "sk-ant-fake";
        run.Environment["DISABLE_TELEMETRY"] = "1";
        run.Environment["DISABLE_ERROR_REPORTING"] = "1";
        run.Environment["DISABLE_AUTOUPDATER"] = "1";
        run.Environment["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] = "1";
        // Claude Code refuses some modes as root outside a sandbox; these runs are in one.
        run.Environment["IS_SANDBOX"] = "1";
    }

    internal static readonly string[] Prompt = ["-p", "Run the scripted commands.", "--output-format", "stream-json", "--verbose"];

    [SkippableFact]
    public async Task Deny_ask_and_allow_reach_claude_code_and_its_model_and_the_audit_trail()
    {
        AgentClients.RequireClient("claude");
        using var run = new AgentRun(output);
        Configure(run);
        var userSettings = Path.Combine(run.Home, ".claude", "settings.json");
        Directory.CreateDirectory(Path.GetDirectoryName(userSettings)!);
        File.WriteAllText(userSettings, """{ "hooks": { "Stop": [ { "hooks": [ { "type": "command", "command": "true" } ] } ] } }""");
        var before = AgentRun.Snapshot(userSettings);

        await run.RunAsync([run.Denied, run.Asked, run.Allowed], run.Start("claude", Prompt));

        Expect.DeniedAndToldTheModel(run);
        // Ask: claude -p has nobody to ask, so it does not run the command.
        Assert.False(run.Exists("ask-me.txt"), "the asked command ran without a person's approval");
        Expect.AllowedRan(run);
        Expect.Audited(await run.EventsAsync());
        AgentRun.AssertUnchanged(before);
    }

    [SkippableFact]
    public async Task A_rule_that_rewrites_the_command_makes_claude_code_run_the_rewritten_one()
    {
        AgentClients.RequireClient("claude");
        using var run = new AgentRun(output);
        Configure(run);
        Expect.UseRewritingPolicy(run);

        await run.RunAsync([Expect.RewriteCommand(run)], run.Start("claude", Prompt));

        Expect.RewrittenRanInstead(run);
    }

    [SkippableFact]
    public async Task With_the_sidecar_down_installed_fail_closed_hooks_keep_the_tool_from_running()
    {
        AgentClients.RequireClient("claude");
        using var run = new AgentRun(output);
        Configure(run);
        await run.InstallAsync("claude");
        run.Environment["HOOKLINE_SOCKET"] = run.DeadSocket;

        await run.RunAsync([run.Allowed], [AgentClients.Client("claude"), .. Prompt]);

        Expect.BlockedWithoutSidecar(run, "claude");
    }
}
