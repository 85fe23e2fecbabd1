using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

public class BashMatchingTests
{
    [Theory]
    [InlineData("Bash(ls *)", "ls", true)]
    [InlineData("Bash(ls *)", "ls -la", true)]
    [InlineData("Bash(ls *)", "lsof", false)]
    [InlineData("Bash(ls*)", "lsof", true)]
    [InlineData("Bash(ls*)", "ls -la", true)]
    [InlineData("Bash(npm run test:*)", "npm run test", true)]
    [InlineData("Bash(npm run test:*)", "npm run test --watch", true)]
    [InlineData("Bash(npm run test:*)", "npm run testing", false)]
    [InlineData("Bash(npm run build)", "npm run build", true)]
    [InlineData("Bash(npm run build)", "npm run build --prod", false)]
    [InlineData("Bash(git * main)", "git push origin main", true)]
    [InlineData("Bash(git * main)", "git push origin dev", false)]
    [InlineData("Bash(*)", "anything at all", true)]
    [InlineData("Bash", "anything at all", true)]
    [InlineData("Bash(* --force)", "git push --force", true)]
    [InlineData("Bash(git   push  *)", "git push", true)]
    public void Claude_wildcard_semantics(string pattern, string command, bool allowed)
    {
        var policy = PolicyOf("ask", ("allow", pattern));
        Assert.Equal(allowed ? Effect.Allow : Effect.Ask, policy.Decide(Bash(command)));
    }

    [Fact]
    public void Deny_beats_ask_beats_allow()
    {
        var policy = PolicyOf("allow", ("allow", "Bash(git *)"), ("ask", "Bash(git push *)"), ("deny", "Bash(git push --force*)"));
        Assert.Equal(Effect.Allow, policy.Decide(Bash("git status")));
        Assert.Equal(Effect.Ask, policy.Decide(Bash("git push origin main")));
        var decision = policy.Evaluate(Bash("git push --force origin main"));
        Assert.Equal(Effect.Deny, decision.Effect);
        Assert.Equal(["r2"], decision.RuleIds);
        Assert.Equal("git push --force origin main", decision.Matched);
    }

    [Fact]
    public void Unmatched_events_get_the_default()
    {
        var decision = PolicyOf("deny", ("allow", "Bash(ls *)")).Evaluate(Bash("cat x"));
        Assert.Equal(Effect.Deny, decision.Effect);
        Assert.True(decision.IsDefault);
        Assert.Equal("default", decision.ReasonCode);
        Assert.Empty(decision.RuleIds);
    }

    [Fact]
    public void Decision_reports_rule_reason_and_all_rules_of_the_deciding_effect()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            rules:
              - id: a
                effect: deny
                match: Bash(rm *)
                reason: no deleting
              - id: b
                effect: deny
                match: Bash(rm -rf *)
              - id: c
                effect: ask
                match: Bash(rm *)
            """);
        var decision = policy.Evaluate(Bash("rm -rf /"));
        Assert.Equal(Effect.Deny, decision.Effect);
        Assert.False(decision.IsDefault);
        Assert.Equal("no deleting", decision.Reason);
        Assert.Equal("rule", decision.ReasonCode);
        Assert.Equal(["a", "b"], decision.RuleIds);
    }

    [Fact]
    public void Allow_needs_every_sub_command_allowed_and_deny_needs_any()
    {
        var policy = PolicyOf("ask", ("allow", "Bash(ls *)"), ("allow", "Bash(cat *)"), ("deny", "Bash(rm *)"));
        Assert.Equal(Effect.Allow, policy.Decide(Bash("ls -la && cat x")));
        Assert.Equal(Effect.Ask, policy.Decide(Bash("ls -la && echo x")));
        Assert.Equal(Effect.Deny, policy.Decide(Bash("ls && rm -rf x")));
    }
}
