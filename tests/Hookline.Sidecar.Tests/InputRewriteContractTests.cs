using System.Text;
using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Policy;
using Hookline.Sidecar.Internal.Agents;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// A rule's <c>set:</c> rewrites the tool input. Claude Code and Codex run the tool with <c>updatedInput</c>, Gemini
/// CLI with <c>hookSpecificOutput.tool_input</c>; the agents and events that have no such answer get a deny with the reason,
/// never an allow of the unchanged input.
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

    private static JsonElement Answer(string agent, string hookEvent, Decision decision, string decodedInput = "") => JsonDocument.Parse(AgentAdapters.Find(agent)!
        .Encode(hookEvent, new HookOutcome(decision.Verdict, decision.IsDefault, decision.Reason, DecisionSource.Local,
            decision.UpdatedInput.Memory, Encoding.UTF8.GetBytes(decodedInput))).Stdout).RootElement;

    /// <summary>A Gemini BeforeTool event decoded by the Gemini adapter from its own stdin, then decided.</summary>
    private static (Decision Decision, string DecodedInput) DecideGemini(string toolName, string toolInput, string document)
    {
        var hookEvent = new HookEvent { EventId = "e", Agent = "gemini" };
        var stdin = $$"""{"session_id":"s","cwd":"/p","hook_event_name":"BeforeTool","tool_name":"{{toolName}}","tool_input":{{toolInput}}}""";
        Assert.True(AgentAdapters.Find("gemini")!.TryDecode("before-tool", Encoding.UTF8.GetBytes(stdin), hookEvent, out var error), error);
        var snapshot = new Hookline.Policy.PolicySnapshot(1, CompiledPolicy.Load(document), DateTimeOffset.UnixEpoch);
        return (DecisionEngine.Decide(hookEvent, snapshot), hookEvent.ToolInput.ToStringUtf8());
    }

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

    [Fact]
    public void Gemini_before_tool_gets_the_whole_rewritten_input_as_hook_specific_tool_input()
    {
        var (decision, decoded) = DecideGemini("run_shell_command", """{"command":"git push origin main","description":"push it","dir_path":"sub"}""", Rewriting);

        Assert.Equal(Verdict.Allow, decision.Verdict);
        var answer = Answer("gemini", "before-tool", decision, decoded);
        Assert.Equal("allow", answer.GetProperty("decision").GetString());
        Assert.Contains("dry-run-pushes", answer.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var output = answer.GetProperty("hookSpecificOutput");
        Assert.Equal("BeforeTool", output.GetProperty("hookEventName").GetString());
        // Gemini builds the call from this object alone, so every field the rule does not set is in it, unchanged.
        var input = output.GetProperty("tool_input");
        Assert.Equal("git push --dry-run", input.GetProperty("command").GetString());
        Assert.Equal(60000, input.GetProperty("timeout").GetInt32());
        Assert.Equal("push it", input.GetProperty("description").GetString());
        Assert.Equal("sub", input.GetProperty("dir_path").GetString());
    }

    [Fact]
    public void Gemini_allow_without_set_and_gemini_deny_carry_no_tool_input()
    {
        var (allowed, decoded) = DecideGemini("run_shell_command", """{"command":"git status"}""", Rewriting);
        Assert.False(Answer("gemini", "before-tool", allowed, decoded).TryGetProperty("hookSpecificOutput", out _));

        var denied = new HookOutcome(Verdict.Deny, false, "no", DecisionSource.Local, Encoding.UTF8.GetBytes("""{"command":"x"}"""));
        var answer = JsonDocument.Parse(AgentAdapters.Find("gemini")!.Encode("before-tool", denied).Stdout).RootElement;
        Assert.Equal("deny", answer.GetProperty("decision").GetString());
        Assert.False(answer.TryGetProperty("hookSpecificOutput", out _));
    }

    [Theory]
    [InlineData("""{"file_path":"/p/.env.example"}""", "/p/.env.example")]
    [InlineData("""{"absolute_path":"/p/.env.example"}""", "/p/.env.example")]
    [InlineData("""{"start_line":1}""", "/p/.env")]
    public void Gemini_builds_that_name_the_file_absolute_path_get_the_rewrite_in_that_field_and_no_file_path(string set, string expected)
    {
        const string Document = """
            version: 1
            rules:
              - id: example-env
                effect: allow
                match: "Read(//p/.env)"
                set: SET
            """;
        var (decision, decoded) = DecideGemini("read_file", """{"absolute_path":"/p/.env"}""", Document.Replace("SET", set, StringComparison.Ordinal));

        Assert.Equal(Verdict.Allow, decision.Verdict);
        var input = Answer("gemini", "before-tool", decision, decoded).GetProperty("hookSpecificOutput").GetProperty("tool_input");
        Assert.Equal(expected, input.GetProperty("absolute_path").GetString());
        Assert.False(input.TryGetProperty("file_path", out _), "Gemini got the field Hookline added, which its tool does not know");
    }

    [Fact]
    public void Gemini_after_tool_and_before_agent_cannot_take_a_rewrite()
    {
        Assert.False(InputRewrite.Supported(new HookEvent { Agent = "gemini", HookEventName = "PostToolUse" }));
        Assert.False(InputRewrite.Supported(new HookEvent { Agent = "gemini", HookEventName = "UserPromptSubmit" }));
        // Even handed an updated input, the encoder never puts one into an event that cannot run it.
        var outcome = new HookOutcome(Verdict.Allow, false, "r", DecisionSource.Local, Encoding.UTF8.GetBytes("""{"prompt":"x"}"""));
        Assert.DoesNotContain("tool_input", Encoding.UTF8.GetString(AgentAdapters.Find("gemini")!.Encode("before-agent", outcome).Stdout.Span), StringComparison.Ordinal);
    }

    [Fact]
    public void Codex_pre_tool_use_gets_allow_with_updated_input_and_a_plain_allow_gets_no_answer()
    {
        var decision = Decide("codex", "PreToolUse", """{"command":"git push origin main"}""");

        Assert.Equal(Verdict.Allow, decision.Verdict);
        var output = Answer("codex", "pre-tool-use", decision).GetProperty("hookSpecificOutput");
        Assert.Equal("PreToolUse", output.GetProperty("hookEventName").GetString());
        // Codex refuses updatedInput without permissionDecision "allow", and needs its string field "command".
        Assert.Equal("allow", output.GetProperty("permissionDecision").GetString());
        Assert.Equal("git push --dry-run", output.GetProperty("updatedInput").GetProperty("command").GetString());

        // Codex refuses a plain permissionDecision "allow": an allow without a rewrite is no answer at all.
        var plain = Decide("codex", "PreToolUse", """{"command":"git status"}""");
        Assert.Equal(Verdict.Allow, plain.Verdict);
        Assert.True(AgentAdapters.Find("codex")!.Encode("pre-tool-use", new HookOutcome(plain.Verdict, false, plain.Reason, DecisionSource.Local)).Stdout.IsEmpty);
    }

    [Theory]
    [InlineData("codex", "PermissionRequest", "permission-request")]
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

    [Theory]
    [InlineData("codex", "PreToolUse", false, false)]
    [InlineData("gemini", "PreToolUse", false, false)]
    [InlineData("claude", "PreToolUse", true, false)]
    [InlineData("codex", "PreToolUse", true, true)]
    [InlineData("gemini", "PreToolUse", true, true)]
    public void A_rewrite_that_whoever_applies_it_cannot_pass_on_becomes_a_deny(string agent, string hookEvent, bool olderSidecar, bool denied)
    {
        var decision = Decide(agent, hookEvent, """{"command":"git push origin main"}""");
        Assert.False(decision.UpdatedInput.IsEmpty);

        var heldBack = InputRewrite.HoldBack(new HookEvent { Agent = agent, HookEventName = hookEvent }, decision, sidecarCapable: !olderSidecar);

        Assert.Equal(denied, heldBack);
        Assert.Equal(denied ? Verdict.Deny : Verdict.Allow, decision.Verdict);
        Assert.Equal(denied, decision.UpdatedInput.IsEmpty);
        Assert.Equal(denied ? InputRewrite.UnsupportedReasonCode : "", denied ? decision.ReasonCode : "");
    }

    [Fact]
    public void A_rewrite_for_an_event_this_sidecar_cannot_answer_with_one_becomes_a_deny()
    {
        // As a newer server might send it: an allow with a rewrite for Cursor, whose answer here has no such field.
        var decision = new Decision { Verdict = Verdict.Allow, UpdatedInput = Google.Protobuf.ByteString.CopyFromUtf8("""{"command":"ls"}""") };

        Assert.True(InputRewrite.HoldBack(new HookEvent { Agent = "cursor", HookEventName = "PreToolUse" }, decision));

        Assert.Equal(Verdict.Deny, decision.Verdict);
        Assert.Contains("denied rather than run unchanged", decision.Reason);
    }
}
