using System.Text;
using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Policy;
using Hookline.Sidecar.Internal.Agents;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Item 13 of issue 14: 'policy test' and 'policy explain' read an agent's hook stdin with
/// <see cref="HookEventReader"/>; production decodes it with the sidecar's adapters and decides with
/// <see cref="DecisionEngine"/>. Every agent event must get the same decision on both paths.
/// </summary>
public sealed class PolicyToolsTruthTests
{
    private static readonly CompiledPolicy Policy = CompiledPolicy.Load("""
        version: 1
        default: allow
        rules:
          - id: no-env
            effect: deny
            match: ["Read(**/.env)"]
          - id: no-force-delete
            effect: deny
            match: "Bash(rm -rf *)"
          - id: no-db-drop
            effect: deny
            match: "mcp__db__*"
          - id: project-reads
            effect: allow
            match: "Read(./**)"
        """);

    public static TheoryData<string, string, string> Events => new()
    {
        { "cursor", "before-read-file", """{"conversation_id":"c","hook_event_name":"beforeReadFile","file_path":"/w/app/.env","workspace_roots":["/w/app"]}""" },
        { "cursor", "before-read-file", """{"conversation_id":"c","hook_event_name":"beforeReadFile","file_path":"/w/app/src/a.ts","workspace_roots":["/w/app"]}""" },
        { "cursor", "before-read-file", """{"conversation_id":"c","hook_event_name":"beforeReadFile","file_path":"/tmp/x.txt","cwd":"/tmp","workspace_roots":["/w/app"]}""" },
        { "cursor", "before-shell-execution", """{"conversation_id":"c","hook_event_name":"beforeShellExecution","command":"rm -rf /","cwd":"/w/app"}""" },
        { "cursor", "before-mcp-execution", """{"conversation_id":"c","hook_event_name":"beforeMCPExecution","server":"db","tool_name":"drop_table","tool_input":{"t":"x"}}""" },
        { "cursor", "pre-tool-use", """{"conversation_id":"c","hook_event_name":"preToolUse","tool_name":"Read","tool_input":{"file_path":".env"},"cwd":"/w/app"}""" },
        { "claude", "pre-tool-use", """{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Read","tool_input":{"file_path":"src/.env"},"cwd":"/w/app"}""" },
        { "codex", "pre-tool-use", """{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"rm -rf build"},"cwd":"/w/app"}""" },
        { "gemini", "before-tool", """{"session_id":"s","hook_event_name":"BeforeTool","tool_name":"read_file","tool_input":{"absolute_path":"/w/app/.env"},"cwd":"/w/app"}""" },
        { "gemini", "before-tool", """{"session_id":"s","hook_event_name":"BeforeTool","tool_name":"read_file","tool_input":{"absolute_path":"/w/app/README.md"},"cwd":"/w/app"}""" },
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void The_policy_tools_decide_every_agent_event_as_production_does(string agent, string hookEvent, string stdin)
    {
        var adapter = AgentAdapters.Find(agent)!;
        var decoded = new HookEvent { Agent = agent, HomeDirectory = "/home/dev" };
        Assert.True(adapter.TryDecode(hookEvent, Encoding.UTF8.GetBytes(stdin), decoded, out var error), error);
        var production = DecisionEngine.Decide(decoded, new Hookline.Policy.PolicySnapshot(1, Policy, DateTimeOffset.UtcNow));

        using var document = JsonDocument.Parse(stdin);
        var tools = Policy.Explain(HookEventReader.FromJson(document.RootElement, agent, homeDirectory: "/home/dev")).Decision;

        Assert.Equal((production.Verdict, production.IsDefault, string.Join(',', production.RuleIds)),
            (DecisionEngine.ToProto(tools.Effect), tools.IsDefault, string.Join(',', tools.RuleIds)));
    }
}
