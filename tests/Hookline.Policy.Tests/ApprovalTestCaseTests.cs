namespace Hookline.Policy.Tests;

/// <summary>A test case may say who must answer an ask (<c>approval: RULE_ID | plain | none</c>).</summary>
public sealed class ApprovalTestCaseTests
{
    private static readonly CompiledPolicy Policy = CompiledPolicy.Load("""
        version: 1
        rules:
          - {id: prod, effect: ask, match: "Bash(kubectl * --context prod*)", approval: {by: [group:sre]}}
          - {id: pushes, effect: ask, match: "Bash(git push *)"}
        approvals: {plain_asks: auto}
        """);

    [Fact]
    public void Cases_check_the_approval_they_name_and_a_failure_says_which_one_answered()
    {
        var report = PolicyTestRunner.Run(Policy, """
            - {name: rule, agent: claude, tool: Bash, input: {command: "kubectl apply --context prod"}, cwd: /p, expect: ask, approval: prod}
            - {name: plain for codex, agent: codex, tool: Bash, input: {command: "git push"}, cwd: /p, expect: ask, approval: plain}
            - {name: prompt for claude, agent: claude, tool: Bash, input: {command: "git push"}, cwd: /p, expect: ask, approval: none}
            - {name: unsaid, agent: codex, tool: Bash, input: {command: "git push"}, cwd: /p, expect: ask}
            - {name: wrong, agent: claude, tool: Bash, input: {command: "git push"}, cwd: /p, expect: ask, approval: prod}
            """);

        Assert.Equal("4 passed, 1 failed", report.Summary);
        var failure = Assert.Single(report.Results, r => !r.Passed);
        Assert.Equal("wrong", failure.Name);
        Assert.StartsWith("FAIL wrong: expected ask (approval: prod), got ask (approval: none)", failure.ToString());
    }

    [Fact]
    public void An_approval_that_is_not_a_word_is_an_error_with_its_position()
    {
        var ex = Assert.Throws<PolicyException>(() => PolicyTestRunner.Run(Policy, "- {tool: Bash, input: {command: ls}, expect: ask, approval: [prod]}\n", "cases.yaml"));

        Assert.Equal((1, 61), (ex.Errors[0].Line, ex.Errors[0].Column));
        Assert.Contains("'approval' must be the id of the ask rule", ex.Errors[0].Message);
    }
}
