using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>
/// An ask several rules decided (the parts of a compound command, the files of one call) gets one approval that every
/// one of them accepts: the weakest rule never speaks for the strictest.
/// </summary>
public sealed class ApprovalCombinationTests
{
    private static PolicyDecision Decide(string rules, string command, string agent = "codex", string approvals = "") =>
        CompiledPolicy.Load($"""
            version: 1
            rules:
            {rules}
            {approvals}
            """).Evaluate(Tool("Bash", new { command }, agent: agent));

    private const string PushesThenProd = """
          - id: pushes
            effect: ask
            match: "Bash(git push *)"
            approval: {by: [any-approver], self_approve: true, remember: session, timeout: 300s, on_timeout: ask}
          - id: prod
            effect: ask
            match: "Bash(kubectl * --context prod*)"
            approval: {by: [group:sre], timeout: 60s}
        """;

    [Fact]
    public void A_weak_earlier_approval_does_not_answer_for_a_production_delete_in_the_same_command()
    {
        var decision = Decide(PushesThenProd, "git push origin x && kubectl delete ns payments --context prod");

        Assert.Equal(Effect.Ask, decision.Effect);
        Assert.Equal(["pushes", "prod"], decision.RuleIds);
        var approval = decision.Approval!;
        Assert.Equal(["group:sre"], approval.By);
        Assert.False(approval.SelfApprove);
        Assert.False(approval.RememberSession);
        Assert.Equal(TimeSpan.FromSeconds(60), approval.Timeout);
        Assert.Equal(Effect.Deny, approval.OnTimeout);
        Assert.Equal("pushes,prod", approval.RuleId);
    }

    [Fact]
    public void Either_part_alone_keeps_its_own_approval()
    {
        var push = Decide(PushesThenProd, "git push origin x").Approval!;
        var prod = Decide(PushesThenProd, "kubectl delete ns payments --context prod").Approval!;

        Assert.Equal(["any-approver"], push.By);
        Assert.Equal((true, true, "pushes"), (push.SelfApprove, push.RememberSession, push.RuleId));
        Assert.Equal(new ApprovalSpec(prod.By, TimeSpan.FromSeconds(60), Effect.Deny, false, false, "prod"), prod);
        Assert.Equal(["group:sre"], prod.By);
    }

    /// <summary><c>npm publish &amp;&amp; git push</c> as Claude Code: a plain ask (pushes) beside an ask rule with <c>approval:</c> (npm).</summary>
    private static PolicyDecision PublishAndPush(string npmApproval, string approvals = "") => Decide($"""
          - id: pushes
            effect: ask
            match: "Bash(git push *)"
          - id: npm
            effect: ask
            match: "Bash(npm publish*)"
            approval: {npmApproval}
        """, "npm publish && git push --force origin main", agent: "claude", approvals: approvals);

    [Fact]
    public void An_approval_rule_wins_over_a_plain_ask_that_goes_to_the_agents_prompt()
    {
        var decision = PublishAndPush("{by: [group:release]}");

        Assert.Equal(["pushes", "npm"], decision.RuleIds);
        Assert.Equal("npm", decision.Approval!.RuleId);
        Assert.Equal(["group:release"], decision.Approval.By);
    }

    [Fact]
    public void A_plain_ask_routed_to_approvals_adds_the_documents_defaults()
    {
        var approval = PublishAndPush("{by: [any-approver], self_approve: true, remember: session}",
            "approvals: {plain_asks: approval, by: [group:release], timeout: 30s}").Approval!;

        Assert.Equal(["group:release"], approval.By);
        Assert.False(approval.SelfApprove);
        Assert.False(approval.RememberSession);
        Assert.Equal(TimeSpan.FromSeconds(30), approval.Timeout);
        Assert.Equal("npm", approval.RuleId);
    }

    [Theory]
    [InlineData("[any-approver]", "[group:sre]", "group:sre")]
    [InlineData("[group:sre]", "[any-approver]", "group:sre")]
    [InlineData("[any-approver]", "[any-approver]", "any-approver")]
    [InlineData("[group:sre, user:alice]", "[user:alice, group:dba]", "user:alice")]
    [InlineData("[group:sre, user:alice]", "[user:alice, group:sre]", "group:sre,user:alice")]
    [InlineData("[group:sre]", "[user:dev]", "nobody")]
    [InlineData("[user:alice]", "[any-approver, user:bob]", "user:alice")]
    public void Approvers_are_those_every_rule_names(string first, string second, string expected)
    {
        var rules = $$"""
              - id: a
                effect: ask
                match: "Bash(rm *)"
                approval: {by: {{first}}}
              - id: b
                effect: ask
                match: "Bash(kubectl *)"
                approval: {by: {{second}}}
            """;

        var approval = Decide(rules, "kubectl apply -f x && rm -rf build").Approval!;

        Assert.Equal(expected, string.Join(',', approval.By));
        Assert.Equal("a,b", approval.RuleId);
    }

    [Fact]
    public void Disjoint_approvers_leave_nobody_to_answer_and_the_explanation_says_so()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            rules:
              - {id: a, effect: ask, match: "Bash(rm *)", approval: {by: [user:dev], on_timeout: ask}}
              - {id: b, effect: ask, match: "Bash(kubectl *)", approval: {by: [group:sre], on_timeout: ask}}
            """);

        var explanation = policy.Explain(Tool("Bash", new { command = "rm x; kubectl apply" }, agent: "codex"));

        Assert.Equal([ApprovalSpec.Nobody], explanation.Decision.Approval!.By);
        Assert.Equal(Effect.Ask, explanation.Decision.Approval.OnTimeout);
        Assert.Contains("approval: by nobody (the rules that decided share no approver: on_timeout applies); timeout 120s; on_timeout ask", explanation.ToString());
    }

    [Theory]
    [InlineData("{timeout: 300s}", "{timeout: 45s}", 45)]
    [InlineData("{timeout: 20s}", "{}", 20)]
    [InlineData("{}", "{timeout: 540s}", 120)]
    public void The_shortest_timeout_applies(string first, string second, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Combined(first, second).Timeout);

    [Theory]
    [InlineData("{on_timeout: ask}", "{on_timeout: ask}", Effect.Ask)]
    [InlineData("{on_timeout: ask}", "{on_timeout: deny}", Effect.Deny)]
    [InlineData("{on_timeout: deny}", "{on_timeout: ask}", Effect.Deny)]
    [InlineData("{on_timeout: ask}", "{}", Effect.Deny)]
    public void Deny_on_timeout_wins(string first, string second, Effect expected) =>
        Assert.Equal(expected, Combined(first, second).OnTimeout);

    [Theory]
    [InlineData("{remember: session}", "{remember: session}", true, false)]
    [InlineData("{remember: session}", "{remember: once}", false, false)]
    [InlineData("{remember: session}", "{}", false, false)]
    [InlineData("{}", "{remember: session}", false, false)]
    [InlineData("{self_approve: true}", "{self_approve: true}", false, true)]
    [InlineData("{self_approve: true, remember: session}", "{}", false, false)]
    [InlineData("{}", "{self_approve: true}", false, false)]
    public void Remember_and_self_approval_only_if_every_rule_says_so(string first, string second, bool remember, bool selfApprove)
    {
        var approval = Combined(first, second);

        Assert.Equal((remember, selfApprove), (approval.RememberSession, approval.SelfApprove));
    }

    [Fact]
    public void The_files_of_one_call_combine_like_sub_commands()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            rules:
              - {id: notes, effect: ask, match: "Read(./notes/**)", approval: {by: [any-approver], self_approve: true}}
              - {id: keys, effect: ask, match: "Read(./keys/**)", approval: {by: [group:sec], timeout: 30s}}
            """);

        var decision = policy.Evaluate(Tool("read_many_files", new { paths = new[] { "notes/a.md", "keys/id_rsa" } }, agent: "gemini"));

        Assert.Equal(Effect.Ask, decision.Effect);
        Assert.Equal(["notes", "keys"], decision.RuleIds);
        Assert.Equal(["group:sec"], decision.Approval!.By);
        Assert.False(decision.Approval.SelfApprove);
        Assert.Equal("notes,keys", decision.Approval.RuleId);
    }

    /// <summary>The approval of <c>rm x &amp;&amp; kubectl apply</c> with rule a (rm) and rule b (kubectl).</summary>
    private static ApprovalSpec Combined(string first, string second) => Decide($"""
          - id: a
            effect: ask
            match: "Bash(rm *)"
            approval: {first}
          - id: b
            effect: ask
            match: "Bash(kubectl *)"
            approval: {second}
        """, "rm x && kubectl apply").Approval!;
}
