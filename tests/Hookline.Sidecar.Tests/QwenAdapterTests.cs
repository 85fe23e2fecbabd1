using System.Text;
using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Policy;
using Hookline.Sidecar.Internal.Agents;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Qwen Code's hook contract (0.24.4, checked with the real client; also driven for real in Hookline.Agents.Tests):
/// Claude's stdin with Gemini-style tool names, Claude's answers; allow grants nothing, updatedInput is ignored.
/// Each case is decoded from Qwen's own stdin and decided by the real engine, as the sidecar does.
/// </summary>
public sealed class QwenAdapterTests
{
    private const string Policy = """
        version: 1
        rules:
          - {id: no-rm, effect: deny, match: "Bash(rm *)", reason: "no deleting"}
          - {id: confirm-push, effect: ask, match: "Bash(git push *)", reason: "a person confirms pushes"}
          - {id: no-env-writes, effect: deny, match: "Write(./.env)", reason: "secrets stay put"}
          - {id: no-edit-etc, effect: deny, match: "Edit(//etc/**)", reason: "system files"}
          - {id: no-secrets, effect: deny, match: "Read(./secrets/**)", reason: "secret files"}
          - {id: status, effect: allow, match: "Bash(git status)"}
          - {id: dry-run, effect: allow, match: "Bash(git fetch *)", set: {command: "git fetch --dry-run"}}
        """;

    private static readonly IAgentAdapter Qwen = AgentAdapters.Find("qwen")!;

    /// <summary>Qwen's PreToolUse stdin, as the real client sent it (agent-hook-samples.json), with this tool call.</summary>
    private static string Stdin(string tool, string input) => $$"""
        {"session_id":"d129c2e8-caeb-4857-aa03-b1fc634cb54c","transcript_path":"/home/dev/.qwen/projects/-home-dev-proj/chats/d129c2e8.jsonl",
         "cwd":"/home/dev/proj","hook_event_name":"PreToolUse","timestamp":"2026-12-07T06:09:39.179Z","permission_mode":"yolo",
         "prompt_id":"d129c2e8########0","tool_name":"{{tool}}","tool_input":{{input}},
         "tool_use_id":"toolu_1796623779174_8gzg5ph5g","tool_call_id":"call_fake1_1796623779026"}
        """;

    private static (HookEvent Event, Decision Decision) Decide(string tool, string input, string hookEvent = "pre-tool-use")
    {
        var target = new HookEvent { EventId = "e", Agent = "qwen" };
        Assert.True(Qwen.TryDecode(hookEvent, Encoding.UTF8.GetBytes(Stdin(tool, input)), target, out var error), error);
        var snapshot = new Hookline.Policy.PolicySnapshot(1, CompiledPolicy.Load(Policy), DateTimeOffset.UnixEpoch);
        return (target, DecisionEngine.Decide(target, snapshot));
    }

    private static HookReply Answer(Decision decision, string hookEvent = "pre-tool-use") =>
        Qwen.Encode(hookEvent, new HookOutcome(decision.Verdict, decision.IsDefault, decision.Reason, DecisionSource.Local, decision.UpdatedInput.Memory));

    private static JsonElement Output(HookReply reply) => JsonDocument.Parse(reply.Stdout).RootElement.GetProperty("hookSpecificOutput");

    [Theory]
    [InlineData("run_shell_command", """{"command":"rm -rf build","description":"clean","is_background":false}""", "Bash", "no-rm")]
    [InlineData("write_file", """{"file_path":"/home/dev/proj/.env","content":"KEY=1"}""", "Write", "no-env-writes")]
    [InlineData("edit", """{"file_path":"/etc/hosts","old_string":"a","new_string":"b"}""", "Edit", "no-edit-etc")]
    [InlineData("replace", """{"file_path":"/etc/hosts","old_string":"a","new_string":"b"}""", "Edit", "no-edit-etc")]
    [InlineData("read_file", """{"file_path":"/home/dev/proj/secrets/key.pem"}""", "Read", "no-secrets")]
    // Qwen 0.24.4's monitor spawns `sh -c COMMAND`; list_directory and zoom_image read what Read rules govern.
    [InlineData("monitor", """{"command":"rm -rf build","description":"watch"}""", "Bash", "no-rm")]
    [InlineData("list_directory", """{"path":"/home/dev/proj/secrets"}""", "Glob", "no-secrets")]
    [InlineData("zoom_image", """{"file_path":"/home/dev/proj/secrets/scan.png","x1":0,"y1":0,"x2":10,"y2":10}""", "Read", "no-secrets")]
    public void Qwen_tool_calls_meet_the_rules_written_with_claude_names_and_a_deny_reaches_the_model(string tool, string input, string canonical, string rule)
    {
        var (hookEvent, decision) = Decide(tool, input);

        Assert.Equal((canonical, tool, "PreToolUse"), (hookEvent.ToolName, hookEvent.NativeToolName, hookEvent.HookEventName));
        Assert.Equal("toolu_1796623779174_8gzg5ph5g", hookEvent.ToolUseId);
        Assert.Equal(Verdict.Deny, decision.Verdict);
        Assert.Equal([rule], decision.RuleIds);
        var reply = Answer(decision);
        Assert.Equal(0, reply.ExitCode);
        var output = Output(reply);
        Assert.Equal("PreToolUse", output.GetProperty("hookEventName").GetString());
        Assert.Equal("deny", output.GetProperty("permissionDecision").GetString());
        Assert.Equal(decision.Reason, output.GetProperty("permissionDecisionReason").GetString());
    }

    [Fact]
    public void The_directory_a_shell_command_runs_in_is_where_its_relative_paths_point()
    {
        // cat secrets/../secrets/key.pem would be caught from the project root; the same file named from inside it must be too.
        var (hookEvent, decision) = Decide("run_shell_command", """{"command":"cat key.pem","directory":"/home/dev/proj/secrets"}""");

        Assert.Equal(("/home/dev/proj/secrets", "/home/dev/proj"), (hookEvent.Cwd, hookEvent.ProjectDirectory));
        Assert.Equal(Verdict.Deny, decision.Verdict);
        Assert.Equal(["no-secrets"], decision.RuleIds);

        var (plain, _) = Decide("run_shell_command", """{"command":"cat key.pem"}""");
        Assert.Equal(("/home/dev/proj", ""), (plain.Cwd, plain.ProjectDirectory));
    }

    [Fact]
    public void Ask_stays_ask_with_a_reason_that_says_approval_is_needed()
    {
        var (_, decision) = Decide("run_shell_command", """{"command":"git push origin main"}""");

        Assert.Equal(Verdict.Ask, decision.Verdict);
        var output = Output(Answer(decision));
        // Headless Qwen turns ask into a deny that gives the model this reason; its terminal UI asks the user.
        Assert.Equal("ask", output.GetProperty("permissionDecision").GetString());
        Assert.StartsWith("approval needed: ", output.GetProperty("permissionDecisionReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Allow_answers_nothing_because_it_would_grant_nothing()
    {
        var (_, explicitAllow) = Decide("run_shell_command", """{"command":"git status"}""");
        var (_, byDefault) = Decide("run_shell_command", """{"command":"ls"}""");

        Assert.Equal((Verdict.Allow, false), (explicitAllow.Verdict, explicitAllow.IsDefault));
        Assert.Equal((Verdict.Allow, true), (byDefault.Verdict, byDefault.IsDefault));
        Assert.Equal((0, 0, 0), ((int)Answer(explicitAllow).ExitCode, Answer(explicitAllow).Stdout.Length, Answer(explicitAllow).Stderr.Length));
        Assert.Equal(0, Answer(byDefault).Stdout.Length);
    }

    [Fact]
    public void A_rewrite_is_a_rewrite_unsupported_deny_because_qwen_ignores_updated_input()
    {
        var (_, decision) = Decide("run_shell_command", """{"command":"git fetch origin"}""");

        Assert.Equal(Verdict.Deny, decision.Verdict);
        Assert.Equal(InputRewrite.UnsupportedReasonCode, decision.ReasonCode);
        Assert.True(decision.UpdatedInput.IsEmpty);
        var output = Output(Answer(decision));
        Assert.Equal("deny", output.GetProperty("permissionDecision").GetString());
        Assert.False(output.TryGetProperty("updatedInput", out _));
    }

    [Fact]
    public void Only_pre_tool_use_and_user_prompt_submit_block()
    {
        Assert.True(Qwen.IsBlocking("pre-tool-use"));
        Assert.True(Qwen.IsBlocking("user-prompt-submit"));
        foreach (var telemetry in new[] { "post-tool-use", "post-tool-use-failure", "session-start", "session-end", "stop", "subagent-start" })
        {
            Assert.False(Qwen.IsBlocking(telemetry));
        }
        var deny = new HookOutcome(Verdict.Deny, false, "not this prompt", DecisionSource.Local);
        var prompt = JsonDocument.Parse(Qwen.Encode("user-prompt-submit", deny).Stdout).RootElement;
        Assert.Equal(("block", "not this prompt"), (prompt.GetProperty("decision").GetString(), prompt.GetProperty("reason").GetString()));
        Assert.True(Qwen.Encode("post-tool-use", deny).Stdout.IsEmpty);
    }

    [Fact]
    public void Post_tool_use_keeps_qwens_tool_response_and_maps_the_tool()
    {
        var target = new HookEvent { Agent = "qwen" };
        var stdin = """{"session_id":"s","cwd":"/p","hook_event_name":"PostToolUse","tool_name":"run_shell_command","tool_input":{"command":"touch /p/tmp"},"tool_response":{"llmContent":"Exit Code: 0","returnDisplay":""},"tool_use_id":"toolu_1","duration_ms":19}""";

        Assert.True(Qwen.TryDecode("post-tool-use", Encoding.UTF8.GetBytes(stdin), target, out var error), error);
        Assert.Equal(("Bash", "PostToolUse", "toolu_1"), (target.ToolName, target.HookEventName, target.ToolUseId));
        Assert.Contains("Exit Code: 0", target.ToolResponse.ToStringUtf8(), StringComparison.Ordinal);
    }
}
