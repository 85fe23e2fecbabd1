using Xunit.Abstractions;

namespace Hookline.Agents.Tests;

/// <summary>
/// What each real client does when a PreToolUse hook fails: it hangs past the agent's timeout, it is killed
/// (SIGKILL), or it exits 1. A plain shell script stands in for the hook, so only the agent's own rules are at work.
/// Each run asks for three shell commands, one per failure; whether the command's file exists shows whether the tool
/// ran; a fourth command, whose hook succeeds, shows that the tool runs at all. docs/agents.md documents these outcomes: a client upgrade that changes one fails here.
/// </summary>
public sealed class HookFailureTests(ITestOutputHelper output)
{
    /// <summary>The hook: picks its failure from the command in its stdin. The hang outlasts every timeout below.</summary>
    private const string Script = """
        #!/bin/sh
        input=$(cat)
        case "$input" in
          *hang-ran*) exec sleep 20 ;;
          *killed-ran*) kill -9 $$ ;;
          *exit1-ran*) echo "the hook broke" >&2; exit 1 ;;
        esac
        exit 0
        """;

    private static string WriteHook(AgentRun run)
    {
        var path = Path.Combine(run.Directory, "failing-hook.sh");
        File.WriteAllText(path, Script.Replace("\r", "", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>Replaces the hooks of an agent's JSON settings file, keeping its other settings.</summary>
    private static void SetHooks(string settings, string hooks)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(settings))!.AsObject();
        json["hooks"] = System.Text.Json.Nodes.JsonNode.Parse(hooks);
        File.WriteAllText(settings, json.ToJsonString());
    }

    private static string[] Commands(AgentRun run) =>
        [$"touch {run.Project}/ok-ran.txt", $"touch {run.Project}/hang-ran.txt", $"touch {run.Project}/killed-ran.txt", $"touch {run.Project}/exit1-ran.txt"];

    /// <summary>Which of the commands ran, as "ok=ran hang=ran killed=blocked exit1=ran".</summary>
    private string Observed(AgentRun run)
    {
        var observed = string.Join(' ', new[] { "ok", "hang", "killed", "exit1" }.Select(f => $"{f}={(run.Exists(f + "-ran.txt") ? "ran" : "blocked")}"));
        output.WriteLine("observed: " + observed);
        return observed;
    }

    /// <summary>
    /// Claude Code counts hook timeouts in seconds; <c>onFailure: block</c> is its fail-closed switch. Bash is allowed
    /// by the settings' permissions, so that in <c>-p</c> mode a hook without an answer does not end in Claude's own
    /// refusal.
    /// </summary>
    [SkippableTheory]
    [InlineData(false, "ok=ran hang=ran killed=ran exit1=ran")]
    [InlineData(true, "ok=ran hang=blocked killed=blocked exit1=blocked")]
    public async Task Claude_code(bool onFailureBlock, string expected)
    {
        AgentClients.RequireClient("claude", withHookline: false);
        using var run = new AgentRun(output);
        ClaudeCodeTests.Configure(run);
        var settings = Path.Combine(run.Directory, "claude-settings.json");
        File.WriteAllText(settings, $$"""
            { "permissions": { "allow": [ "Bash" ] },
              "hooks": { "PreToolUse": [ { "matcher": "Bash", "hooks": [
              { "type": "command", "command": "{{WriteHook(run)}}", "timeout": 1{{(onFailureBlock ? ", \"onFailure\": \"block\"" : "")}} } ] } ] } }
            """);

        await run.RunAsync(Commands(run), [AgentClients.Client("claude"), "--settings", settings, .. ClaudeCodeTests.Prompt]);

        Assert.Equal(expected, Observed(run));
    }

    /// <summary>Codex counts hook timeouts in seconds and has no fail-closed switch.</summary>
    [SkippableFact]
    public async Task Codex()
    {
        AgentClients.RequireClient("codex", withHookline: false);
        using var run = new AgentRun(output);
        var codexHome = CodexTests.Configure(run);
        File.WriteAllText(Path.Combine(codexHome, "hooks.json"), $$"""
            { "hooks": { "PreToolUse": [ { "matcher": "*", "hooks": [
              { "type": "command", "command": "{{WriteHook(run)}}", "timeout": 1 } ] } ] } }
            """);

        await run.RunAsync(Commands(run), [AgentClients.Client("codex"), "--dangerously-bypass-hook-trust", .. CodexTests.Exec]);

        Assert.Equal("ok=ran hang=ran killed=ran exit1=ran", Observed(run));
    }

    /// <summary>
    /// GitHub Copilot CLI counts hook timeouts in seconds (<c>timeoutSec</c>) and has no fail-closed switch: a hook
    /// that times out lets the tool run, one that dies or exits 1 blocks it.
    /// </summary>
    [SkippableFact]
    public async Task Copilot_cli()
    {
        AgentClients.RequireClient("copilot", withHookline: false);
        using var run = new AgentRun(output);
        CopilotCliTests.Configure(run);
        File.WriteAllText(Path.Combine(run.Home, ".copilot", "hooks", "failing.json"), $$"""
            { "version": 1, "hooks": { "preToolUse": [ { "type": "command", "bash": "{{WriteHook(run)}}", "timeoutSec": 1 } ] } }
            """);

        await run.RunAsync(Commands(run), [AgentClients.Client("copilot"), .. CopilotCliTests.Prompt]);

        Assert.Equal("ok=ran hang=ran killed=blocked exit1=blocked", Observed(run));
    }

    /// <summary>Gemini CLI counts hook timeouts in milliseconds and has no fail-closed switch.</summary>
    [SkippableFact]
    public async Task Gemini_cli()
    {
        AgentClients.RequireClient("gemini", withHookline: false);
        using var run = new AgentRun(output);
        SetHooks(GeminiCliTests.Configure(run), $$"""
            { "BeforeTool": [ { "matcher": "run_shell_command", "hooks": [
              { "type": "command", "name": "failing", "command": "{{WriteHook(run)}}", "timeout": 1000 } ] } ] }
            """);

        await run.RunAsync(Commands(run), [AgentClients.Client("gemini"), .. GeminiCliTests.Prompt], GeminiCliTests.StopMarker);

        Assert.Equal("ok=ran hang=ran killed=ran exit1=ran", Observed(run));
    }

    /// <summary>Qwen Code counts hook timeouts in seconds (1000 or more: milliseconds) and has no fail-closed switch.</summary>
    [SkippableFact]
    public async Task Qwen_code()
    {
        AgentClients.RequireClient("qwen", withHookline: false);
        using var run = new AgentRun(output);
        SetHooks(QwenCodeTests.Configure(run), $$"""
            { "PreToolUse": [ { "matcher": "run_shell_command", "hooks": [
              { "type": "command", "command": "{{WriteHook(run)}}", "timeout": 1 } ] } ] }
            """);

        await run.RunAsync(Commands(run), [AgentClients.Client("qwen"), .. QwenCodeTests.Prompt], QwenCodeTests.StopMarker);

        Assert.Equal("ok=ran hang=ran killed=ran exit1=ran", Observed(run));
    }
}
