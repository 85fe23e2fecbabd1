using System.Text.Json;
using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>Item 13 of issue 14: ~ is the agent's home only; the test runner sets the machine per case.</summary>
public sealed class ToolsTruthTests
{
    private static readonly CompiledPolicy Policy = PolicyOf("ask",
        ("deny", "Read(~/.ssh/**)"),
        ("allow", "Read(~/notes/**)"),
        ("allow", "Read(//srv/public/**)"));

    private static PolicyInput ReadWithHome(string path, string? home) => new()
    {
        ToolName = "Read",
        ToolInput = JsonSerializer.SerializeToElement(new { file_path = path }),
        Cwd = "/srv/work",
        HomeDirectory = home,
    };

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("relative/home")]
    public void With_no_home_known_a_deny_rule_with_tilde_matches_under_any_home(string? home)
    {
        Assert.Equal(Effect.Deny, Policy.Decide(ReadWithHome("/home/zed/.ssh/id_rsa", home)));
        Assert.Equal(Effect.Deny, Policy.Decide(ReadWithHome("/Users/zed/.ssh/config", home)));
        Assert.Equal(Effect.Deny, Policy.Decide(ReadWithHome("~/.ssh/id_ed25519", home)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void With_no_home_known_an_allow_rule_with_tilde_matches_nothing(string? home)
    {
        var decision = Policy.Evaluate(ReadWithHome("/root/notes/todo.md", home));
        Assert.True(decision.IsDefault);
        Assert.Equal(Effect.Allow, Policy.Decide(ReadWithHome("/srv/public/a.txt", home)));
    }

    [Fact]
    public void An_empty_home_never_turns_tilde_into_the_root()
    {
        // With the root as home, ~/notes/** would be /notes/** and allow it.
        Assert.True(Policy.Evaluate(ReadWithHome("/notes/x", "")).IsDefault);
        var explained = Policy.Explain(ReadWithHome("~/notes/x", ""));
        Assert.NotEqual("/notes/x", explained.Path);
    }

    [Fact]
    public void Explain_says_where_patterns_were_anchored_and_which_home_tilde_stood_for()
    {
        var unknown = Policy.Explain(ReadWithHome("/home/zed/.ssh/id_rsa", null)).ToString();
        Assert.Contains("anchored at: /srv/work; home: unknown", unknown);
        var known = Policy.Explain(ReadWithHome("/home/zed/.ssh/id_rsa", "/home/zed")).ToString();
        Assert.Contains("anchored at: /srv/work; home: /home/zed", known);
    }

    [Fact]
    public void A_known_home_decides_as_before()
    {
        Assert.Equal(Effect.Allow, Policy.Decide(ReadWithHome("/home/dev/notes/a.md", Home)));
        Assert.True(Policy.Evaluate(ReadWithHome("/home/zed/.ssh/id_rsa", Home)).IsDefault);
    }

    [Fact]
    public void A_case_sets_home_cwd_project_dir_user_platform_user_homes_and_resolved_paths()
    {
        var policy = PolicyOf("ask", ("deny", "Read(~/.ssh/**)"), ("deny", "Read(**/.env)"), ("deny", "Read(//etc/**)"), ("allow", "Read(./**)"), ("allow", "Read(~/notes/**)"));
        var report = PolicyTestRunner.Run(policy, """
            - name: home from the case
              home: /home/ann
              tool: Read
              input: {file_path: "~/notes/a.md"}
              expect: allow
            - name: no home, no allow by a tilde rule
              tool: Read
              input: {file_path: "/home/ann/notes/a.md"}
              cwd: /srv
              expect: default
            - name: macOS ignores case
              platform: macos
              tool: Read
              input: {file_path: "/w/.ENV"}
              expect: deny
            - name: linux does not
              platform: linux
              cwd: /w
              tool: Read
              input: {file_path: "/w/.ENV"}
              expect: allow
            - name: project root from the case
              project_dir: /w
              cwd: /w/src
              tool: Read
              input: {file_path: "/w/README.md"}
              expect: allow
            - name: cwd overrides the event's
              cwd: /w
              event: {hook_event_name: PreToolUse, tool_name: Read, tool_input: {file_path: README.md}, cwd: /elsewhere}
              expect: allow
            - name: user homes
              user_homes: {bob: /home/bob}
              tool: Read
              input: {file_path: "~bob/.ssh/id_rsa"}
              expect: deny
            - name: resolved symlink
              cwd: /w
              resolved: [/etc/shadow]
              tool: Read
              input: {file_path: /w/link}
              expect: deny
            - name: user is passed
              user: ann
              home: /home/ann
              tool: Read
              input: {file_path: /home/ann/.ssh/id_rsa}
              expect: deny
            """);
        Assert.True(report.Failed == 0, string.Join('\n', report.Results.Where(r => !r.Passed)));
    }

    [Fact]
    public void A_bad_platform_is_an_error_with_its_position()
    {
        var ex = Assert.Throws<PolicyException>(() => PolicyTestRunner.Run(Policy, "- name: a\n  platform: beos\n  tool: Read\n  input: {file_path: x}\n  expect: ask\n", "cases.yaml"));
        Assert.Contains("cases.yaml:2:", ex.Message);
        Assert.Contains("'platform' must be linux, macos or windows", ex.Message);
    }

    [Fact]
    public void A_cursor_read_file_event_is_decided_in_policy_test_as_in_production()
    {
        var policy = PolicyOf("allow", ("deny", "Read(**/.env)"), ("deny", "mcp__db__*"));
        var report = PolicyTestRunner.Run(policy, """
            - name: cursor reads .env
              agent: cursor
              event: {hook_event_name: beforeReadFile, file_path: /w/.env, workspace_roots: [/w]}
              expect: deny
            - name: cursor MCP call named by its server
              agent: cursor
              event: {hook_event_name: beforeMCPExecution, server: db, tool_name: drop, tool_input: {}}
              expect: deny
            """);
        Assert.True(report.Failed == 0, string.Join('\n', report.Results.Where(r => !r.Passed)));
    }
}
