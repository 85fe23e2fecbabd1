using System.Text;
using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Policy;
using Hookline.Sidecar.Internal.Agents;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// GitHub Copilot CLI's camelCase hooks (stdin as the real 1.0.102 client sends it): tool and argument names decoded to
/// Claude's, answers in Copilot's flat shape. The real client is driven in Hookline.Agents.Tests (CopilotCliTests).
/// </summary>
public sealed class CopilotAdapterTests
{
    private static readonly IAgentAdapter Copilot = AgentAdapters.Find("copilot")!;

    private static readonly HookOutcome Deny = new(Verdict.Deny, false, "blocked by rule", DecisionSource.Remote);
    private static readonly HookOutcome Ask = new(Verdict.Ask, false, "needs a human", DecisionSource.Remote);
    private static readonly HookOutcome ExplicitAllow = new(Verdict.Allow, false, "fine", DecisionSource.Remote);
    private static readonly HookOutcome DefaultAllow = new(Verdict.Allow, true, "", DecisionSource.Remote);

    private static HookEvent Decode(string hookEvent, string stdin)
    {
        var target = new HookEvent { EventId = "e", Agent = "copilot" };
        Assert.True(Copilot.TryDecode(hookEvent, Encoding.UTF8.GetBytes(stdin), target, out var error), error);
        return target;
    }

    private static string PreToolUse(string tool, string args) =>
        $$"""{"sessionId":"f9c9eb7f","timestamp":1796624145370,"cwd":"/home/dev/proj","toolName":"{{tool}}","toolArgs":{{args}}}""";

    private static JsonElement Json(HookReply reply) => JsonDocument.Parse(reply.Stdout).RootElement;

    private static Decision Decide(HookEvent hookEvent, string document) =>
        DecisionEngine.Decide(hookEvent, new Hookline.Policy.PolicySnapshot(1, CompiledPolicy.Load(document), DateTimeOffset.UnixEpoch));

    [Fact]
    public void A_shell_call_decodes_to_bash_with_copilots_session_cwd_and_arguments()
    {
        var e = Decode("pre-tool-use", PreToolUse("bash", """{"command":"touch /home/dev/tmp","description":"scripted fake command","mode":"sync","initial_wait":30}"""));

        Assert.Equal(("Bash", "bash", "PreToolUse", "preToolUse"), (e.ToolName, e.NativeToolName, e.HookEventName, e.NativeEvent));
        Assert.Equal(("f9c9eb7f", "/home/dev/proj", ""), (e.AgentSessionId, e.Cwd, e.ToolUseId));
        Assert.Equal("touch /home/dev/tmp", JsonDocument.Parse(e.ToolInput.ToByteArray()).RootElement.GetProperty("command").GetString());
    }

    [Theory]
    [InlineData("view", """{"path":"/p/.env","view_range":[1,5]}""", "Read", "file_path", "/p/.env")]
    [InlineData("create", """{"path":"/p/a.txt","file_text":"hi"}""", "Write", "content", "hi")]
    [InlineData("edit", """{"path":"/p/a.txt","old_str":"a","new_str":"b"}""", "Edit", "new_string", "b")]
    [InlineData("grep", """{"pattern":"key","paths":"/p/secrets"}""", "Grep", "path", "/p/secrets")]
    [InlineData("glob", """{"pattern":"*","paths":["/p/secrets"]}""", "Glob", "path", "/p/secrets")]
    [InlineData("task", """{"name":"x","prompt":"p","agent_type":"explore","description":"d"}""", "Agent", "subagent_type", "explore")]
    public void Copilots_tools_get_claudes_names_beside_their_own(string tool, string args, string canonical, string claudeField, string value)
    {
        var e = Decode("pre-tool-use", PreToolUse(tool, args));

        Assert.Equal(canonical, e.ToolName);
        var input = JsonDocument.Parse(e.ToolInput.ToByteArray()).RootElement;
        Assert.Equal(value, input.GetProperty(claudeField).GetString());
        foreach (var property in JsonDocument.Parse(args).RootElement.EnumerateObject())
        {
            Assert.Equal(property.Value.GetRawText(), input.GetProperty(property.Name).GetRawText());
        }
    }

    [Fact]
    public void One_path_rule_governs_copilots_edit_and_view_as_it_governs_claudes()
    {
        const string Document = """
            version: 1
            default: allow
            rules:
              - id: no-secrets
                effect: deny
                match: ["Edit(./secrets/**)", "Read(./secrets/**)"]
            """;

        var edit = Decide(Decode("pre-tool-use", PreToolUse("edit", """{"path":"/home/dev/proj/secrets/k","old_str":"a","new_str":"b"}""")), Document);
        var view = Decide(Decode("pre-tool-use", PreToolUse("view", """{"path":"/home/dev/proj/secrets/k"}""")), Document);
        var other = Decide(Decode("pre-tool-use", PreToolUse("view", """{"path":"/home/dev/proj/README.md"}""")), Document);

        Assert.Equal((Verdict.Deny, Verdict.Deny, Verdict.Allow), (edit.Verdict, view.Verdict, other.Verdict));
    }

    [Theory]
    [InlineData("""["src", "/home/dev/.ssh"]""", "/home/dev")]
    [InlineData("""["/home/dev/proj/a", "~/.ssh"]""", "/")]
    public void A_search_of_several_directories_is_judged_as_one_of_the_directory_holding_them(string paths, string path)
    {
        const string Document = """
            version: 1
            default: allow
            rules:
              - id: keys
                effect: deny
                match: "Read(~/.ssh/**)"
            """;
        var e = Decode("pre-tool-use", PreToolUse("grep", $$"""{"pattern":"PRIVATE KEY","paths":{{paths}}}"""));
        e.HomeDirectory = "/home/dev";

        Assert.Equal(path, JsonDocument.Parse(e.ToolInput.ToByteArray()).RootElement.GetProperty("path").GetString());
        // Before, the second directory was not seen at all: the search counted as one of the cwd and was allowed.
        Assert.NotEqual(Verdict.Allow, Decide(e, Document).Verdict);
    }

    [Fact]
    public void Pre_tool_use_answers_the_flat_shape_and_ask_is_a_deny_that_says_approval_is_needed()
    {
        var deny = Json(Copilot.Encode("pre-tool-use", Deny));
        Assert.Equal(("deny", "blocked by rule"), (deny.GetProperty("permissionDecision").GetString(), deny.GetProperty("permissionDecisionReason").GetString()));
        Assert.False(deny.TryGetProperty("hookSpecificOutput", out _));

        var ask = Json(Copilot.Encode("pre-tool-use", Ask));
        Assert.Equal("deny", ask.GetProperty("permissionDecision").GetString());
        Assert.Equal("approval needed: needs a human", ask.GetProperty("permissionDecisionReason").GetString());
    }

    [Fact]
    public void Allow_is_a_grant_in_copilot_so_only_an_explicit_allow_rule_answers_it()
    {
        Assert.True(Copilot.Encode("pre-tool-use", DefaultAllow).Stdout.IsEmpty);
        Assert.True(Copilot.Encode("pre-tool-use", DefaultAllow with { Source = DecisionSource.FailOpen }).Stdout.IsEmpty);
        Assert.Equal("allow", Json(Copilot.Encode("pre-tool-use", ExplicitAllow)).GetProperty("permissionDecision").GetString());
    }

    [Fact]
    public void Prompts_are_blocked_with_decision_block_and_telemetry_events_get_no_answer()
    {
        var prompt = Json(Copilot.Encode("user-prompt-submitted", Deny));
        Assert.Equal(("block", "blocked by rule"), (prompt.GetProperty("decision").GetString(), prompt.GetProperty("reason").GetString()));
        Assert.Equal("UserPromptSubmit", Decode("user-prompt-submitted", """{"sessionId":"s","cwd":"/p","prompt":"do it"}""").HookEventName);

        foreach (var telemetry in new[] { "post-tool-use", "session-start", "session-end", "agent-stop", "subagent-stop" })
        {
            Assert.False(Copilot.IsBlocking(telemetry), telemetry);
            Assert.True(Copilot.Encode(telemetry, Deny).Stdout.IsEmpty, telemetry);
        }
        Assert.Equal("Stop", Copilot.CanonicalEvent("agent-stop"));
    }

    [Fact]
    public void Post_tool_use_keeps_copilots_tool_result()
    {
        var e = Decode("post-tool-use", """{"sessionId":"s","cwd":"/p","toolName":"bash","toolArgs":{"command":"ls"},"toolResult":{"resultType":"success","textResultForLlm":"ok"}}""");

        Assert.Equal(("PostToolUse", "Bash"), (e.HookEventName, e.ToolName));
        Assert.Equal("success", JsonDocument.Parse(e.ToolResponse.ToByteArray()).RootElement.GetProperty("resultType").GetString());
    }

    [Theory]
    [InlineData("""{"sessionId":"s","cwd":"/p","toolArgs":{"command":"ls"}}""", "no toolName")]
    [InlineData("""{"sessionId":"s","cwd":"/p","toolName":"bash","toolArgs":"ls"}""", "toolArgs is a JSON String")]
    // The model names a value twice: the policy would judge one while the tool may write the other.
    [InlineData("""{"sessionId":"s","cwd":"/p","toolName":"create","toolArgs":{"path":"a.txt","file_text":"AKIA...","content":"hello"}}""",
        "toolArgs gives content and file_text different values")]
    [InlineData("""{"sessionId":"s","cwd":"/p","toolName":"grep","toolArgs":{"pattern":"k","path":".","paths":["/home/u/.ssh"]}}""",
        "toolArgs gives path and paths different values")]
    public void A_tool_call_it_cannot_read_is_refused_with_a_reason(string stdin, string expected)
    {
        Assert.False(Copilot.TryDecode("pre-tool-use", Encoding.UTF8.GetBytes(stdin), new HookEvent(), out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rewrite_goes_out_as_modified_args_in_copilots_own_argument_names()
    {
        const string Document = """
            version: 1
            rules:
              - id: dry-run-pushes
                effect: allow
                match: "Bash(git push *)"
                set: {command: "git push --dry-run"}
              - id: notes-elsewhere
                effect: allow
                match: "Write(./notes.txt)"
                set: {file_path: "/home/dev/proj/notes.draft.txt"}
            """;
        var shell = Decode("pre-tool-use", PreToolUse("bash", """{"command":"git push origin main","description":"push"}"""));
        var create = Decode("pre-tool-use", PreToolUse("create", """{"path":"/home/dev/proj/notes.txt","file_text":"hi"}"""));

        var shellArgs = Rewritten(shell, Decide(shell, Document));
        var createArgs = Rewritten(create, Decide(create, Document));

        Assert.Equal(("git push --dry-run", "push"), (shellArgs.GetProperty("command").GetString(), shellArgs.GetProperty("description").GetString()));
        // The field the rule set is Claude's name; Copilot gets it in its own, and none of the fields Hookline added.
        Assert.Equal(["file_text", "path"], createArgs.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(("/home/dev/proj/notes.draft.txt", "hi"), (createArgs.GetProperty("path").GetString(), createArgs.GetProperty("file_text").GetString()));
        Assert.True(InputRewrite.Supported("copilot", "PreToolUse"));
        Assert.False(InputRewrite.Supported("copilot", "UserPromptSubmit"));
    }

    private static JsonElement Rewritten(HookEvent decoded, Decision decision)
    {
        Assert.Equal(Verdict.Allow, decision.Verdict);
        var reply = Copilot.Encode("pre-tool-use", new HookOutcome(decision.Verdict, decision.IsDefault, decision.Reason, DecisionSource.Local,
            decision.UpdatedInput.Memory, decoded.ToolInput.Memory));
        var answer = Json(reply);
        Assert.Equal("allow", answer.GetProperty("permissionDecision").GetString());
        return answer.GetProperty("modifiedArgs").Clone();
    }
}
