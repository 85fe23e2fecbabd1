using System.Text;
using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Policy;
using Hookline.Sidecar.Internal.Agents;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// GitHub Copilot CLI runs a trusted project's Claude hooks (<c>.claude/settings.json</c>) with Claude's tool names
/// but its own argument names (<c>path</c>, <c>file_text</c>, <c>old_str</c>, <c>new_str</c>) and no tool_use_id. The
/// Claude adapter reads both sets, by the names alone: COPILOT_CLI would also be set in a Claude Code started from
/// inside Copilot. Rules hold whichever names arrive, and a rewrite goes back in the names the tool reads.
/// </summary>
public sealed class CopilotArgumentNameTests
{
    private const string Document = """
        version: 1
        default: ask
        rules:
          - id: secrets
            effect: deny
            match: ["Edit(./secret/**)", "Write(./secret/**)", "Edit(//etc/**)"]
          - id: no-keys
            effect: deny
            match: "Write(**)"
            when: {field: tool_input.content, regex: "BEGIN [A-Z ]*PRIVATE KEY"}
          - id: no-sudo-edits
            effect: deny
            match: "Edit(**)"
            when: {field: tool_input.new_string, regex: "NOPASSWD"}
          - id: drafts
            effect: allow
            match: "Write(./out/**)"
            set: {file_path: /p/drafts/out.txt}
          - id: src
            effect: allow
            match: ["Edit(./src/**)", "Write(./src/**)", "Read(./src/**)"]
        """;

    /// <summary>The shape of Copilot's PascalCase PreToolUse (see /work/shared/agent-hook-samples.json), around a tool input.</summary>
    private static string CopilotStdin(string tool, string toolInput, string hookEvent = "PreToolUse") =>
        $$"""{"hook_event_name":"{{hookEvent}}","session_id":"d92c505a","timestamp":"2026-12-07T06:15:46.789Z","cwd":"/p","tool_name":"{{tool}}","tool_input":{{toolInput}}}""";

    private static HookEvent Decode(string stdin, string hookEvent = "pre-tool-use")
    {
        var target = new HookEvent { EventId = "e", Agent = "claude" };
        Assert.True(AgentAdapters.Find("claude")!.TryDecode(hookEvent, Encoding.UTF8.GetBytes(stdin), target, out var error), error);
        return target;
    }

    private static Decision Decide(HookEvent hookEvent)
        => DecisionEngine.Decide(hookEvent, new Hookline.Policy.PolicySnapshot(1, CompiledPolicy.Load(Document), DateTimeOffset.UnixEpoch));

    private static JsonElement Input(HookEvent hookEvent) => JsonDocument.Parse(hookEvent.ToolInput.ToByteArray()).RootElement;

    [Fact]
    public void Copilots_names_get_claudes_beside_them_and_keep_their_own()
    {
        var e = Decode(CopilotStdin("Edit", """{"path":"/p/src/a.cs","old_str":"a","new_str":"b"}"""));

        var input = Input(e);
        Assert.Equal("Edit", e.ToolName);
        Assert.Equal(("/p/src/a.cs", "a", "b"), (input.GetProperty("file_path").GetString(), input.GetProperty("old_string").GetString(), input.GetProperty("new_string").GetString()));
        Assert.Equal(("/p/src/a.cs", "a", "b"), (input.GetProperty("path").GetString(), input.GetProperty("old_str").GetString(), input.GetProperty("new_str").GetString()));
    }

    [Theory]
    [InlineData("Write", """{"path":"/p/secret/k.pem","file_text":"x"}""", "secrets")]
    [InlineData("Edit", """{"path":"/p/secret/k.pem","old_str":"a","new_str":"b"}""", "secrets")]
    [InlineData("Write", """{"path":"/p/src/id","file_text":"-----BEGIN OPENSSH PRIVATE KEY-----"}""", "no-keys")]
    [InlineData("Edit", """{"path":"/p/src/sudoers","old_str":"a","new_str":"dev ALL=(ALL) NOPASSWD: ALL"}""", "no-sudo-edits")]
    public void A_deny_rule_holds_in_copilots_names(string tool, string toolInput, string rule)
    {
        var decision = Decide(Decode(CopilotStdin(tool, toolInput)));

        Assert.Equal(Verdict.Deny, decision.Verdict);
        Assert.Contains(rule, decision.RuleIds);
    }

    [Theory]
    [InlineData("""{"file_path":"/p/src/ok.txt","path":"/etc/shadow","old_str":"a","new_str":"b"}""")]
    [InlineData("""{"path":"/p/src/ok.txt","file_path":"/etc/shadow","old_string":"a","new_string":"b"}""")]
    public void Two_names_for_two_files_are_denied_when_either_is(string toolInput)
    {
        var decision = Decide(Decode(CopilotStdin("Edit", toolInput)));

        Assert.Equal(Verdict.Deny, decision.Verdict);
        Assert.Equal(["secrets"], decision.RuleIds.ToArray());
    }

    [Theory]
    [InlineData("Write", """{"file_path":"/p/src/a","content":"harmless","path":"/p/src/a","file_text":"-----BEGIN RSA PRIVATE KEY-----"}""", "content and file_text")]
    [InlineData("Edit", """{"file_path":"/p/src/a","old_string":"a","new_string":"b","new_str":"NOPASSWD"}""", "new_string and new_str")]
    public void Two_names_with_two_values_for_any_other_argument_are_malformed_input(string tool, string toolInput, string names)
    {
        var target = new HookEvent();

        var decoded = AgentAdapters.Find("claude")!.TryDecode("pre-tool-use", Encoding.UTF8.GetBytes(CopilotStdin(tool, toolInput)), target, out var error);

        // A blocking event that cannot be decoded is denied (HookProcessor); which value the tool would use is unknown.
        Assert.False(decoded);
        Assert.Contains(names, error);
        // After the tool ran, the event is recorded as it came.
        var after = Decode(CopilotStdin(tool, toolInput, "PostToolUse"), "post-tool-use");
        Assert.Equal(toolInput, after.ToolInput.ToStringUtf8());
    }

    [Theory]
    [InlineData("""{"path":"/p/out/a.txt","file_text":"x"}""", "path")]
    [InlineData("""{"file_path":"/p/out/a.txt","content":"x"}""", "file_path")]
    public void A_rewrite_comes_back_in_the_names_that_arrived(string toolInput, string pathName)
    {
        var hookEvent = Decode(CopilotStdin("Write", toolInput));
        var decision = Decide(hookEvent);

        Assert.Equal(Verdict.Allow, decision.Verdict);
        var answer = AgentAdapters.Find("claude")!.Encode("pre-tool-use", new HookOutcome(decision.Verdict, decision.IsDefault, decision.Reason,
            DecisionSource.Local, decision.UpdatedInput.Memory, hookEvent.ToolInput.Memory));
        var updated = JsonDocument.Parse(answer.Stdout).RootElement.GetProperty("hookSpecificOutput").GetProperty("updatedInput");
        Assert.Equal("/p/drafts/out.txt", updated.GetProperty(pathName).GetString());
        // Nothing the tool does not know: the field Hookline added to decode Copilot's names is not in the answer.
        string[] names = [pathName, pathName == "path" ? "file_text" : "content"];
        Assert.Equal(names.Order(), updated.EnumerateObject().Select(p => p.Name).Order());
    }

    [Fact]
    public void Claude_codes_own_input_is_passed_on_byte_for_byte()
    {
        const string ToolInput = """{"file_path":"/p/src/a.cs","old_string":"a","new_string":"b","replace_all":false}""";

        var e = Decode(CopilotStdin("Edit", ToolInput));

        Assert.Equal(ToolInput, e.ToolInput.ToStringUtf8());
        Assert.Equal(Verdict.Allow, Decide(e).Verdict);
    }
}
