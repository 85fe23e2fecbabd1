using System.Text;
using Google.Protobuf;
using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.Agents;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Each agent's documented hook contract: what its stdin carries and which answer it obeys. Cursor cannot be installed
/// here, so these shapes are its only test; the other agents are also driven for real in Hookline.Agents.Tests.
/// </summary>
public sealed class AgentContractTests
{
    private static IAgentAdapter Adapter(string name) => AgentAdapters.Find(name)!;

    private static readonly HookOutcome Deny = new(Verdict.Deny, false, "blocked by rule", DecisionSource.Remote);
    private static readonly HookOutcome DefaultAllow = new(Verdict.Allow, true, "", DecisionSource.Remote);

    private static HookEvent Decode(string agent, string hookEvent, string stdin)
    {
        var target = new HookEvent();
        Assert.True(Adapter(agent).TryDecode(hookEvent, Encoding.UTF8.GetBytes(stdin), target, out var error), error);
        return target;
    }

    private static JsonElement Field(ByteString json, string name) => JsonDocument.Parse(json.ToByteArray()).RootElement.GetProperty(name);

    [Fact]
    public void Claude_mcp_tool_responses_may_be_arrays_and_are_kept_whole()
    {
        var e = Decode("claude", "post-tool-use", """{"session_id":"s","hook_event_name":"PostToolUse","tool_name":"mcp__fs__list","tool_input":{},"tool_response":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}""");

        Assert.Equal(("mcp__fs__list", "PostToolUse"), (e.ToolName, e.HookEventName));
        Assert.Equal("""[{"type":"text","text":"a"},{"type":"text","text":"b"}]""", e.ToolResponse.ToStringUtf8());
    }

    [Fact]
    public void Claude_subagent_tool_calls_are_governed_like_any_other()
    {
        var e = Decode("claude", "pre-tool-use", """{"session_id":"s","hook_event_name":"PreToolUse","agent_id":"a-1","agent_type":"Explore","tool_name":"Bash","tool_input":{"command":"rm -rf /"}}""");

        Assert.Equal("Bash", e.ToolName);
        Assert.True(Adapter("claude").IsBlocking("pre-tool-use"));
        var reply = JsonDocument.Parse(Adapter("claude").Encode("pre-tool-use", Deny).Stdout).RootElement.GetProperty("hookSpecificOutput");
        Assert.Equal("deny", reply.GetProperty("permissionDecision").GetString());
    }

    [Theory]
    [InlineData("read_file", """{"absolute_path":"/p/.env"}""", "Read")]
    [InlineData("write_file", """{"file_path":"/p/a.txt","content":"x"}""", "Write")]
    [InlineData("replace", """{"file_path":"/p/a.txt","old_string":"a","new_string":"b"}""", "Edit")]
    public void Gemini_file_tools_map_to_the_canonical_names_and_file_path(string tool, string input, string canonical)
    {
        var e = Decode("gemini", "before-tool", $$"""{"session_id":"g","hook_event_name":"BeforeTool","tool_name":"{{tool}}","tool_input":{{input}}}""");

        Assert.Equal(canonical, e.ToolName);
        Assert.StartsWith("/p/", Field(e.ToolInput, "file_path").GetString());
    }

    [Fact]
    public void Gemini_blocks_only_before_tool_and_before_agent()
    {
        foreach (var telemetry in new[] { "after-tool", "after-agent", "session-start", "session-end", "before-model" })
        {
            Assert.False(Adapter("gemini").IsBlocking(telemetry));
            Assert.True(Adapter("gemini").Encode(telemetry, Deny).Stdout.IsEmpty);
        }
        var prompt = JsonDocument.Parse(Adapter("gemini").Encode("before-agent", Deny).Stdout).RootElement;
        Assert.Equal(("deny", "blocked by rule"), (prompt.GetProperty("decision").GetString(), prompt.GetProperty("reason").GetString()));
    }

    [Fact]
    public void A_block_by_exit_code_always_carries_a_reason_on_stderr()
    {
        // Codex ignores exit 2 when stderr is empty; Claude and Gemini show stderr as the reason.
        var block = HookJson.Block("");
        Assert.Equal(2, block.ExitCode);
        Assert.False(string.IsNullOrWhiteSpace(block.Stderr));
    }

    [Fact]
    public void Cursor_pre_tool_use_maps_its_shell_tool_to_bash()
    {
        var e = Decode("cursor", "pre-tool-use", """{"conversation_id":"c","hook_event_name":"preToolUse","tool_name":"Shell","tool_input":{"command":"rm -rf /"},"workspace_roots":["/w"]}""");

        Assert.Equal(("Bash", "PreToolUse", "preToolUse", "/w"), (e.ToolName, e.HookEventName, e.NativeEvent, e.Cwd));
    }

    [Fact]
    public void Cursor_read_and_mcp_events_become_read_and_mcp_tool_calls()
    {
        var read = Decode("cursor", "before-read-file", """{"conversation_id":"c","hook_event_name":"beforeReadFile","file_path":"/w/.env","content":"x"}""");
        var mcp = Decode("cursor", "before-mcp-execution", """{"conversation_id":"c","hook_event_name":"beforeMCPExecution","server":"db","tool_name":"query","tool_input":"{}"}""");

        Assert.Equal(("Read", "/w/.env"), (read.ToolName, Field(read.ToolInput, "file_path").GetString()));
        Assert.Equal("mcp__db__query", mcp.ToolName);
    }

    [Fact]
    public void Cursor_mcp_events_without_a_server_name_an_unknown_server_and_carry_their_arguments_as_an_object()
    {
        // Cursor sends the server's URL or launch command, not its name, and the arguments as a JSON string.
        var mcp = Decode("cursor", "before-mcp-execution", """{"conversation_id":"c","hook_event_name":"beforeMCPExecution","tool_name":"mcp__github__get_issue","tool_input":"{\"sql\":\"DROP TABLE t\"}","url":"https://x.example/mcp"}""");

        Assert.Equal("mcp____mcp__github__get_issue", mcp.ToolName);
        Assert.Equal("DROP TABLE t", Field(mcp.ToolInput, "sql").GetString());
    }

    [Fact]
    public void Cursor_answers_blocking_events_flat_and_telemetry_not_at_all()
    {
        var deny = JsonDocument.Parse(Adapter("cursor").Encode("before-read-file", Deny).Stdout).RootElement;
        Assert.Equal("deny", deny.GetProperty("permission").GetString());
        Assert.Equal("blocked by rule", deny.GetProperty("agent_message").GetString());

        var prompt = JsonDocument.Parse(Adapter("cursor").Encode("before-submit-prompt", Deny).Stdout).RootElement;
        Assert.False(prompt.GetProperty("continue").GetBoolean());

        foreach (var telemetry in new[] { "post-tool-use", "after-file-edit", "stop" })
        {
            Assert.False(Adapter("cursor").IsBlocking(telemetry));
            Assert.True(Adapter("cursor").Encode(telemetry, Deny).Stdout.IsEmpty);
        }
        Assert.True(Adapter("cursor").Encode("pre-tool-use", DefaultAllow).Stdout.IsEmpty);
    }
}
