using System.Text;
using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Policy;
using Hookline.Sidecar.Internal.Agents;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// A rule's <c>set:</c> rewrites the tool input. Claude Code runs the tool with <c>updatedInput</c>; the agents that
/// have no such answer get a deny with the reason, never an allow of the unchanged input.
/// </summary>
public sealed class InputRewriteContractTests
{
    private const string Rewriting = """
        version: 1
        rules:
          - id: dry-run-pushes
            effect: allow
            match: "Bash(git push *)"
            set: {command: "git push --dry-run", timeout: 60000}
          - id: allow-status
            effect: allow
            match: "Bash(git status)"
        """;

    private static Decision Decide(string agent, string hookEvent, string toolInput, string document = Rewriting)
    {
        var snapshot = new Hookline.Policy.PolicySnapshot(1, CompiledPolicy.Load(document), DateTimeOffset.UnixEpoch);
        return DecisionEngine.Decide(new HookEvent
        {
            EventId = "e", Agent = agent, HookEventName = hookEvent, ToolName = "Bash", Cwd = "/p",
            ToolInput = Google.Protobuf.ByteString.CopyFromUtf8(toolInput),
        }, snapshot);
    }

    private static JsonElement Answer(string agent, string hookEvent, Decision decision) => JsonDocument.Parse(AgentAdapters.Find(agent)!
        .Encode(hookEvent, new HookOutcome(decision.Verdict, decision.IsDefault, decision.Reason, DecisionSource.Local, decision.UpdatedInput.Memory)).Stdout).RootElement;

    [Fact]
    public void Claude_pre_tool_use_gets_the_whole_rewritten_input_as_updated_input()
    {
        var decision = Decide("claude", "PreToolUse", """{"command":"git push origin main","description":"push it","n":12345678901234567890}""");

        Assert.Equal(Verdict.Allow, decision.Verdict);
        var output = Answer("claude", "pre-tool-use", decision).GetProperty("hookSpecificOutput");
        Assert.Equal("allow", output.GetProperty("permissionDecision").GetString());
        var updated = output.GetProperty("updatedInput");
        Assert.Equal("git push --dry-run", updated.GetProperty("command").GetString());
        Assert.Equal(60000, updated.GetProperty("timeout").GetInt32());
        // The fields the rule does not set stay as the model wrote them, large integers digit for digit.
        Assert.Equal("push it", updated.GetProperty("description").GetString());
        Assert.Equal("12345678901234567890", updated.GetProperty("n").GetRawText());
    }

    [Fact]
    public void Claude_permission_request_gets_it_in_its_decision()
    {
        var decision = Decide("claude", "PermissionRequest", """{"command":"git push"}""");

        var inner = Answer("claude", "permission-request", decision).GetProperty("hookSpecificOutput").GetProperty("decision");
        Assert.Equal("allow", inner.GetProperty("behavior").GetString());
        Assert.Equal("git push --dry-run", inner.GetProperty("updatedInput").GetProperty("command").GetString());
    }

    [Fact]
    public void An_allow_without_set_carries_no_updated_input()
    {
        var decision = Decide("claude", "PreToolUse", """{"command":"git status"}""");

        Assert.True(decision.UpdatedInput.IsEmpty);
        Assert.False(Answer("claude", "pre-tool-use", decision).GetProperty("hookSpecificOutput").TryGetProperty("updatedInput", out _));
    }

    [Theory]
    [InlineData("codex", "PreToolUse", "pre-tool-use")]
    [InlineData("gemini", "PreToolUse", "before-tool")]
    [InlineData("cursor", "PreToolUse", "pre-tool-use")]
    [InlineData("claude", "UserPromptSubmit", "user-prompt-submit")]
    public void Where_the_agent_cannot_take_a_rewritten_input_the_rewrite_is_a_deny_that_says_why(string agent, string canonical, string hookEvent)
    {
        var decision = Decide(agent, canonical, """{"command":"git push origin main"}""");

        Assert.Equal(Verdict.Deny, decision.Verdict);
        Assert.Equal(InputRewrite.UnsupportedReasonCode, decision.ReasonCode);
        Assert.Contains("dry-run-pushes", decision.Reason, StringComparison.Ordinal);
        Assert.Contains("cannot pass a rewritten input on", decision.Reason, StringComparison.Ordinal);
        Assert.True(decision.UpdatedInput.IsEmpty);
        var stdout = Encoding.UTF8.GetString(AgentAdapters.Find(agent)!.Encode(hookEvent,
            new HookOutcome(decision.Verdict, false, decision.Reason, DecisionSource.Local)).Stdout.Span);
        Assert.Contains("cannot pass a rewritten input on", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Observe_mode_never_changes_what_runs_so_it_does_not_rewrite_either()
    {
        var decision = Decide("claude", "PreToolUse", """{"command":"git push"}""", Rewriting.Replace("version: 1", "version: 1\nmode: observe", StringComparison.Ordinal));

        Assert.Equal(Verdict.Allow, decision.Verdict);
        Assert.True(decision.UpdatedInput.IsEmpty);
    }
}
