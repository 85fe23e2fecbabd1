using System.Text.Json;
using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

public class RunnerAndExplainTests
{
    private static readonly CompiledPolicy Policy = CompiledPolicy.Load("""
        version: 1
        default: allow
        taints: [{label: secrets, on: "Read(**/.env)"}]
        rules:
          - {id: no-rm, effect: deny, match: "Bash(rm -rf *)", reason: no recursive delete}
          - {id: push, effect: ask, match: "Bash(git push *)"}
          - {id: egress, effect: deny, match: WebFetch, when: {field: tainted, equals: secrets}}
        """);

    [Fact]
    public void Runs_cases_in_the_agents_own_event_shape_with_history()
    {
        var report = PolicyTestRunner.Run(Policy, """
            - name: hidden rm
              event:
                hook_event_name: PreToolUse
                cwd: /home/dev/proj
                tool_name: Bash
                tool_input: {command: "cd x && FOO=1 timeout 5 rm -rf /"}
              expect: deny
            - name: gemini shell
              agent: gemini
              event: {hook_event_name: BeforeTool, tool_name: run_shell_command, tool_input: {command: git push}}
              expect: ask
            - name: fetch after secret read
              history:
                - {hook_event_name: PreToolUse, tool_name: Read, tool_input: {file_path: /p/.env}, at: "2025-01-01T10:00:00Z"}
              event: {hook_event_name: PreToolUse, tool_name: WebFetch, tool_input: {url: "https://x.org"}}
              expect: deny
            - name: short form
              tool: Bash
              input: {command: ls}
              cwd: /p
              expect: allow
            - name: wrong on purpose
              tool: Bash
              input: {command: "rm -rf /"}
              expect: allow
            """);

        Assert.Equal("4 passed, 1 failed", report.Summary);
        var failure = Assert.Single(report.Results, r => !r.Passed);
        Assert.Equal("wrong on purpose", failure.Name);
        Assert.Equal(Effect.Deny, failure.Actual);
        var text = failure.ToString();
        Assert.Contains("expected allow, got deny", text);
        Assert.Contains("rule no-rm (deny): Bash(rm -rf *) matched 'rm -rf /'", text);
    }

    [Fact]
    public void Cases_may_name_the_sessions_org_and_user()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            default: allow
            rules:
              - {id: contractors, effect: deny, match: "Bash(kubectl *)", when: {field: org, one_of: [contractors]}}
            """);

        var report = PolicyTestRunner.Run(policy, """
            - {name: contractor, org: contractors, user: bob, tool: Bash, input: {command: kubectl get pods}, expect: deny}
            - {name: staff, org: platform, tool: Bash, input: {command: kubectl get pods}, expect: allow}
            - {name: no org, tool: Bash, input: {command: kubectl get pods}, expect: allow}
            - {name: wrong on purpose, org: contractors, tool: Bash, input: {command: kubectl get pods}, expect: allow}
            """);

        Assert.Equal("3 passed, 1 failed", report.Summary);
        Assert.Equal("wrong on purpose", Assert.Single(report.Results, r => !r.Passed).Name);
    }

    [Fact]
    public void Expect_default_passes_only_when_no_rule_decided()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            default: allow
            rules:
              - {id: ls, effect: allow, match: "Bash(ls *)"}
            """);

        var report = PolicyTestRunner.Run(policy, """
            - {name: no rule, tool: Bash, input: {command: terraform plan}, expect: default}
            - {name: explicit allow is not the default, tool: Bash, input: {command: ls -la}, expect: default}
            """);

        Assert.Equal("1 passed, 1 failed", report.Summary);
        var failed = Assert.Single(report.Results, r => !r.Passed);
        Assert.Equal("explicit allow is not the default", failed.Name);
        Assert.StartsWith("FAIL explicit allow is not the default: expected default (allow), got allow", failed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_case_files_report_positions()
    {
        var ex = Assert.Throws<PolicyException>(() => PolicyTestRunner.Run(Policy, "- name: a\n  expect: maybe\n  tool: Bash\n- name: b\n  colour: red\n", "cases.yaml"));
        Assert.Contains(ex.Errors, e => e is { Source: "cases.yaml", Line: 2 } && e.Message.Contains("'expect'"));
        Assert.Contains(ex.Errors, e => e.Line == 5 && e.Message.Contains("colour"));
        Assert.Contains(ex.Errors, e => e.Line == 4 && e.Message.Contains("needs 'event'"));
    }

    [Fact]
    public void Explain_names_sub_commands_targets_and_every_matching_rule()
    {
        var explanation = Policy.Explain(Bash("git push && rm -rf / > out.txt"));
        Assert.Equal(Effect.Deny, explanation.Decision.Effect);
        Assert.Equal(["git push", "rm -rf /"], explanation.SubCommands);
        Assert.Equal(["/home/dev/proj/out.txt"], explanation.WriteTargets);
        Assert.Equal(
            [new PolicyRuleMatch("no-rm", Effect.Deny, "Bash(rm -rf *)", "rm -rf /", true), new PolicyRuleMatch("push", Effect.Ask, "Bash(git push *)", "git push", true)],
            explanation.Matches);
    }

    [Fact]
    public void Explain_reports_normalised_paths_hosts_and_unparsable_reasons()
    {
        Assert.Equal("/home/dev/proj/.env", Policy.Explain(Read("src/../.env")).Path);
        Assert.Equal("evil.com", Policy.Explain(Fetch("https://u:p@EVIL.com.:8080/x")).Host);
        var unparsable = Policy.Explain(Bash("echo 'x"));
        Assert.Equal("unterminated single quote", unparsable.UnparsableReason);
        Assert.Contains("no rule matched", unparsable.ToString());
    }

    [Fact]
    public void Decision_matched_is_the_normalised_path_or_domain()
    {
        var policy = CompiledPolicy.Load("version: 1\nrules:\n  - {id: env, effect: deny, match: \"Read(./.env)\"}\n  - {id: d, effect: ask, match: \"WebFetch(domain:*.x.org)\"}\n");
        Assert.Equal("/home/dev/proj/.env", policy.Evaluate(Read("a/b/../../.env")).Matched);
        Assert.Equal("api.x.org", policy.Evaluate(Fetch("https://API.x.org/")).Matched);
    }

    [Fact]
    public void Hook_event_reader_reads_claude_and_gemini_shapes()
    {
        using var claude = JsonDocument.Parse("""{"session_id":"s","cwd":"/p","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"},"tool_use_id":"t1"}""");
        var input = HookEventReader.FromJson(claude.RootElement, "claude");
        Assert.Equal(("Bash", "PreToolUse", "/p", "s", "t1"), (input.ToolName, input.HookEvent, input.Cwd, input.SessionId, input.ToolUseId));

        using var gemini = JsonDocument.Parse("""{"hook_event_name":"BeforeTool","tool_name":"run_shell_command","tool_input":{"command":"ls"}}""");
        var g = HookEventReader.FromJson(gemini.RootElement, "gemini");
        Assert.Equal(("Bash", "PreToolUse"), (g.ToolName, g.HookEvent));
    }

    [Fact]
    public void Snapshot_exposes_hash_and_staleness()
    {
        var issued = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var snapshot = new PolicySnapshot(7, Policy, issued);
        Assert.Equal(Policy.Document.Hash, snapshot.Hash);
        Assert.False(snapshot.IsStale(issued.AddHours(1), TimeSpan.FromHours(24)));
        Assert.True(snapshot.IsStale(issued.AddHours(25), TimeSpan.FromHours(24)));
    }

    [Fact]
    public void One_compiled_policy_evaluates_correctly_from_many_threads()
    {
        var commands = new[] { ("ls", Effect.Allow), ("rm -rf /", Effect.Deny), ("git push", Effect.Ask), ("echo 'x", Effect.Ask) };
        var failures = 0;
        Parallel.For(0, 2000, i =>
        {
            var (command, expected) = commands[i % commands.Length];
            if (Policy.Evaluate(Bash(command)).Effect != expected)
            {
                Interlocked.Increment(ref failures);
            }
        });
        Assert.Equal(0, failures);
    }
}

public class ClaudeSettingsImporterTests
{
    [Fact]
    public void Imported_settings_become_a_valid_policy_with_the_same_decisions()
    {
        var yaml = ClaudeSettingsImporter.ToPolicyYaml("""
            {"permissions": {
              "allow": ["Bash(npm run test:*)", "Read(./src/**)"],
              "ask": ["Bash(git push *)"],
              "deny": ["Read(./.env)", "WebFetch(domain:*.evil.com)", "Bash(echo \"quoted\")"]
            }, "model": "x"}
            """);
        var policy = CompiledPolicy.Load(yaml);
        Assert.Equal(["import-deny", "import-ask", "import-allow"], policy.Document.Rules.Select(r => r.Id));
        Assert.Equal(Effect.Deny, policy.Evaluate(TestSupport.Read("src/../.env")).Effect);
        Assert.Equal(Effect.Ask, policy.Evaluate(TestSupport.Bash("git push")).Effect);
        Assert.Equal(Effect.Allow, policy.Evaluate(TestSupport.Bash("npm run test")).Effect);
        Assert.Equal(Effect.Deny, policy.Evaluate(TestSupport.Bash("echo \"quoted\"")).Effect);
    }

    [Fact]
    public void Settings_without_permissions_give_an_empty_rule_list()
    {
        Assert.Empty(CompiledPolicy.Load(ClaudeSettingsImporter.ToPolicyYaml("{}")).Document.Rules);
    }
}
