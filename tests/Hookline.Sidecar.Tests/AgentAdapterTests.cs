using System.Text.Json;
using System.Text;
using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.Agents;
using Hookline.Sidecar.Internal.Listening;
using Hookline.Sidecar.Internal;

namespace Hookline.Sidecar.Tests;

/// <summary>Each agent's stdin decoded to the canonical event, and each decision encoded in the agent's own shape.</summary>
public sealed class AgentAdapterTests
{
    private static IAgentAdapter Adapter(string name) => AgentAdapters.Find(name)!;

    private static JsonElement Json(HookReply reply) => JsonDocument.Parse(reply.Stdout).RootElement;

    private static readonly HookOutcome Deny = new(Verdict.Deny, false, "blocked by rule", DecisionSource.Remote);
    private static readonly HookOutcome Ask = new(Verdict.Ask, false, "needs a human", DecisionSource.Remote);
    private static readonly HookOutcome ExplicitAllow = new(Verdict.Allow, false, "fine", DecisionSource.Remote);
    private static readonly HookOutcome DefaultAllow = new(Verdict.Allow, true, "", DecisionSource.Remote);

    [Fact]
    public void Gemini_shell_calls_become_bash_and_ask_becomes_deny_with_an_approval_reason()
    {
        var hookEvent = new HookEvent();
        var stdin = """{"session_id":"g","cwd":"/p","hook_event_name":"BeforeTool","tool_name":"run_shell_command","tool_input":{"command":"rm -rf /"}}""";

        Assert.True(Adapter("gemini").TryDecode("before-tool", Encoding.UTF8.GetBytes(stdin), hookEvent, out _));
        Assert.Equal(("Bash", "run_shell_command", "PreToolUse", "BeforeTool"),
            (hookEvent.ToolName, hookEvent.NativeToolName, hookEvent.HookEventName, hookEvent.NativeEvent));

        var ask = Json(Adapter("gemini").Encode("before-tool", Ask));
        Assert.Equal("deny", ask.GetProperty("decision").GetString());
        Assert.StartsWith("approval needed", ask.GetProperty("reason").GetString());
        Assert.Equal("deny", Json(Adapter("gemini").Encode("before-tool", Deny)).GetProperty("decision").GetString());
        Assert.True(Adapter("gemini").Encode("before-tool", DefaultAllow).Stdout.IsEmpty);
        Assert.True(Adapter("gemini").Encode("after-tool", Deny).Stdout.IsEmpty);
    }

    [Fact]
    public void Codex_has_no_ask_so_ask_is_a_deny_that_says_approval_is_needed()
    {
        var reply = Json(Adapter("codex").Encode("pre-tool-use", Ask)).GetProperty("hookSpecificOutput");

        Assert.Equal("deny", reply.GetProperty("permissionDecision").GetString());
        Assert.StartsWith("approval needed", reply.GetProperty("permissionDecisionReason").GetString());
        Assert.True(Adapter("codex").Encode("pre-tool-use", ExplicitAllow).Stdout.IsEmpty);
    }

    [Fact]
    public void Claude_permission_requests_use_decision_behavior_and_ask_leaves_claudes_own_prompt()
    {
        var deny = Json(Adapter("claude").Encode("permission-request", Deny)).GetProperty("hookSpecificOutput");

        Assert.Equal("PermissionRequest", deny.GetProperty("hookEventName").GetString());
        Assert.Equal("deny", deny.GetProperty("decision").GetProperty("behavior").GetString());
        Assert.Equal("blocked by rule", deny.GetProperty("decision").GetProperty("message").GetString());
        Assert.True(Adapter("claude").Encode("permission-request", Ask).Stdout.IsEmpty);
        Assert.Equal("allow", Json(Adapter("claude").Encode("permission-request", ExplicitAllow))
            .GetProperty("hookSpecificOutput").GetProperty("decision").GetProperty("behavior").GetString());
    }

    [Fact]
    public void Claude_prompts_are_blocked_with_decision_block()
    {
        var reply = Json(Adapter("claude").Encode("user-prompt-submit", Deny));

        Assert.Equal("block", reply.GetProperty("decision").GetString());
        Assert.Equal("blocked by rule", reply.GetProperty("reason").GetString());
    }

    [Fact]
    public void Cursor_answers_flat_snake_case_and_maps_shell_events_to_bash()
    {
        var hookEvent = new HookEvent();
        var stdin = """{"conversation_id":"c1","hook_event_name":"beforeShellExecution","command":"git push","cwd":"/w"}""";

        Assert.True(Adapter("cursor").TryDecode("before-shell-execution", Encoding.UTF8.GetBytes(stdin), hookEvent, out _));
        Assert.Equal(("Bash", "PreToolUse", "c1"), (hookEvent.ToolName, hookEvent.HookEventName, hookEvent.AgentSessionId));
        Assert.Equal("git push", JsonDocument.Parse(hookEvent.ToolInput.ToStringUtf8()).RootElement.GetProperty("command").GetString());

        var ask = Json(Adapter("cursor").Encode("before-shell-execution", Ask));
        Assert.Equal("ask", ask.GetProperty("permission").GetString());
        Assert.Equal("needs a human", ask.GetProperty("user_message").GetString());
        Assert.Equal("needs a human", ask.GetProperty("agent_message").GetString());
    }

    [Theory]
    [InlineData("claude", "pre-tool-use", """{"tool_input":{}}""", "no tool_name")]
    [InlineData("claude", "pre-tool-use", """{"tool_name":"Bash","tool_input":"rm -rf /"}""", "expected an object")]
    [InlineData("claude", "pre-tool-use", "[1,2]", "expected an object")]
    [InlineData("gemini", "before-tool", "", "empty hook input")]
    public void Malformed_blocking_input_is_refused_with_a_reason(string agent, string hookEvent, string stdin, string expected)
    {
        Assert.False(Adapter(agent).TryDecode(hookEvent, Encoding.UTF8.GetBytes(stdin), new HookEvent(), out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Large_integers_in_tool_input_keep_their_precision()
    {
        var hookEvent = new HookEvent();
        var stdin = """{"tool_name":"mcp__db__query","tool_input":{"id":12345678901234567890123}}""";

        Assert.True(Adapter("claude").TryDecode("pre-tool-use", Encoding.UTF8.GetBytes(stdin), hookEvent, out _));
        Assert.Equal("""{"id":12345678901234567890123}""", hookEvent.ToolInput.ToStringUtf8());
    }

    [Fact]
    public void A_subagents_hook_carries_its_agent_id_for_coverage()
    {
        // Claude Code's stdin from within a subagent (agent_id, agent_type); the main thread's has neither.
        var stdin = """{"session_id":"s","hook_event_name":"PostToolUse","tool_name":"Bash","tool_use_id":"toolu_1","tool_input":{"command":"ls"},"agent_id":"a7f3","agent_type":"general-purpose"}""";
        var fromSubagent = new HookEvent();
        var fromMain = new HookEvent();

        Assert.True(Adapter("claude").TryDecode("post-tool-use", Encoding.UTF8.GetBytes(stdin), fromSubagent, out _));
        Assert.True(Adapter("claude").TryDecode("post-tool-use", Encoding.UTF8.GetBytes(stdin.Replace("\"agent_id\":\"a7f3\",", "", StringComparison.Ordinal)), fromMain, out _));
        Assert.Equal(("a7f3", ""), (fromSubagent.SubagentId, fromMain.SubagentId));
    }
}
