using System.Text.Json;
using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>Item 12 of issue 14: MCP server names as agents really send them.</summary>
public class McpNameTests
{
    private static PolicyInput Mcp(string tool) => Tool(tool, new { q = "x" });

    [Theory]
    [InlineData("mcp__shell__run")]
    [InlineData("mcp__SHELL__run")]
    [InlineData("mcp__Shell__run")]
    [InlineData("mcp__plugin_tools_shell__run")]
    [InlineData("mcp__plugin_my_tools_shell__run")]
    [InlineData("mcp__PLUGIN_x_Shell__run")]
    public void Server_names_compare_case_insensitively_and_plugins_are_their_server(string tool)
    {
        var policy = PolicyOf("allow", ("deny", "mcp__shell__*"));
        Assert.Equal(Effect.Deny, policy.Decide(Mcp(tool)));
    }

    [Theory]
    [InlineData("mcp__shellx__run")]
    [InlineData("mcp__myshell__run")]
    [InlineData("mcp__plugin_notshell__run")]
    [InlineData("mcp__plugin_x_notshell__run")]
    [InlineData("mcp__plugin_shell__run")]
    [InlineData("mcp__plugin_shell_docs__run")]
    public void Other_servers_do_not_match(string tool)
    {
        var policy = PolicyOf("allow", ("deny", "mcp__shell__*"));
        Assert.True(policy.Evaluate(Mcp(tool)).IsDefault);
    }

    [Fact]
    public void Allow_rules_follow_the_same_names_but_tool_names_keep_their_case()
    {
        var policy = PolicyOf("ask", ("allow", "mcp__github__get_*"));
        Assert.Equal(Effect.Allow, policy.Decide(Mcp("mcp__GitHub__get_issue")));
        Assert.Equal(Effect.Allow, policy.Decide(Mcp("mcp__plugin_gh_github__get_issue")));
        Assert.Equal(Effect.Ask, policy.Decide(Mcp("mcp__github__GET_issue")));
    }

    [Fact]
    public void A_tool_of_an_unnamed_server_asks_on_a_deny_rule_and_is_never_allowed()
    {
        var policy = PolicyOf("allow", ("deny", "mcp__shell__*"), ("allow", "mcp__github__*"));
        var decision = policy.Evaluate(Mcp("mcp____run"));
        Assert.Equal(Effect.Ask, decision.Effect);
        Assert.Equal(ReasonCodes.UnknownMcpServer, decision.ReasonCode);
        Assert.Equal(["r0"], decision.RuleIds);

        var allowOnly = PolicyOf("ask", ("allow", "mcp__github__*"));
        Assert.Equal(Effect.Ask, allowOnly.Decide(Mcp("mcp____get_issue")));
        Assert.True(allowOnly.Evaluate(Mcp("mcp____get_issue")).IsDefault);

        // An unless about a named server does not excuse an unnamed one.
        var excused = CompiledPolicy.Load("version: 1\nrules:\n  - {id: d, effect: ask, match: \"mcp__db__*\", unless: \"mcp__db__read\"}\n");
        Assert.Equal(Effect.Ask, excused.Decide(Mcp("mcp____read")));
        Assert.True(excused.Evaluate(Mcp("mcp__DB__read")).IsDefault);
    }

    [Fact]
    public void Cursor_mcp_events_read_for_policy_test_as_the_sidecar_names_them()
    {
        using var unnamed = JsonDocument.Parse("""{"hook_event_name":"beforeMCPExecution","tool_name":"query","tool_input":"{\"sql\":\"DROP TABLE users\"}","command":"npx db-mcp"}""");
        var input = HookEventReader.FromJson(unnamed.RootElement, "cursor");
        Assert.Equal("mcp____query", input.ToolName);
        Assert.Equal("DROP TABLE users", input.ToolInput.GetProperty("sql").GetString());

        var policy = PolicyOf("allow", ("deny", "mcp__db__query(sql:DROP *)"));
        Assert.Equal(Effect.Ask, policy.Decide(input));

        using var named = JsonDocument.Parse("""{"hook_event_name":"beforeMCPExecution","server":"DB","tool_name":"query","tool_input":"{\"sql\":\"DROP TABLE users\"}"}""");
        Assert.Equal(Effect.Deny, policy.Decide(HookEventReader.FromJson(named.RootElement, "cursor")));
    }
}
