using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>Which ask a person answers (<see cref="PolicyDecision.Approval"/>): the ask rules with <c>approval:</c>, and <c>approvals.plain_asks</c> per agent.</summary>
public sealed class ApprovalRoutingTests
{
    private static CompiledPolicy With(string approvals) => CompiledPolicy.Load($$"""
        version: 1
        rules:
          - id: prod
            effect: ask
            match: "Bash(kubectl * --context prod*)"
            approval: {by: [group:sre], timeout: 90s, remember: session}
          - id: pushes
            effect: ask
            match: "Bash(git push *)"
          - id: secrets
            effect: deny
            match: "Read(**/.env)"
        {{approvals}}
        """);

    private static PolicyInput BashFor(string agent, string command) => Tool("Bash", new { command }, agent: agent);

    [Theory]
    [InlineData("claude")]
    [InlineData("codex")]
    [InlineData("gemini")]
    public void An_ask_rule_with_approval_goes_to_a_person_for_every_agent(string agent)
    {
        var decision = With("").Evaluate(BashFor(agent, "kubectl apply -f x.yaml --context prod-eu"));

        Assert.Equal(Effect.Ask, decision.Effect);
        Assert.Equal("prod", decision.Approval!.RuleId);
        Assert.Equal(["group:sre"], decision.Approval.By);
        Assert.True(decision.Approval.RememberSession);
    }

    [Theory]
    [InlineData("", "claude", false)]
    [InlineData("", "codex", false)]
    [InlineData("approvals: {plain_asks: prompt}", "codex", false)]
    [InlineData("approvals: {plain_asks: approval}", "claude", true)]
    [InlineData("approvals: {plain_asks: approval}", "qwen", true)]
    [InlineData("approvals: {plain_asks: auto}", "claude", false)]
    [InlineData("approvals: {plain_asks: auto}", "cursor", false)]
    [InlineData("approvals: {plain_asks: auto}", "qwen", false)]
    [InlineData("approvals: {plain_asks: auto}", "codex", true)]
    [InlineData("approvals: {plain_asks: auto}", "gemini", true)]
    [InlineData("approvals: {plain_asks: auto}", "copilot", true)]
    [InlineData("approvals: {plain_asks: {codex: approval}}", "codex", true)]
    [InlineData("approvals: {plain_asks: {codex: approval}}", "gemini", false)]
    [InlineData("approvals: {plain_asks: {codex: prompt, default: approval}}", "codex", false)]
    [InlineData("approvals: {plain_asks: {codex: prompt, default: approval}}", "claude", true)]
    public void A_plain_ask_goes_where_plain_asks_routes_the_agent(string approvals, string agent, bool toApproval)
    {
        var decision = With(approvals).Evaluate(BashFor(agent, "git push origin main"));

        Assert.Equal(Effect.Ask, decision.Effect);
        Assert.Equal(["pushes"], decision.RuleIds);
        if (toApproval)
        {
            Assert.Equal("", decision.Approval!.RuleId);
        }
        else
        {
            Assert.Null(decision.Approval);
        }
    }

    [Fact]
    public void A_plain_ask_gets_the_documents_defaults()
    {
        var policy = With("approvals: {plain_asks: approval, by: [user:lead], timeout: 30s, on_timeout: ask, self_approve: true}");

        var approval = policy.Evaluate(BashFor("claude", "git push")).Approval;

        Assert.Equal(new ApprovalSpec(approval!.By, TimeSpan.FromSeconds(30), Effect.Ask, false, true, ""), approval);
        Assert.Equal(["user:lead"], approval.By);
    }

    [Fact]
    public void An_unknown_or_missing_agent_under_auto_keeps_its_prompt()
    {
        var policy = With("approvals: {plain_asks: auto}");

        Assert.Null(policy.Evaluate(BashFor("vim", "git push")).Approval);
        Assert.Null(policy.Evaluate(Tool("Bash", new { command = "git push" }, agent: null)).Approval);
        Assert.NotNull(With("approvals: {plain_asks: approval}").Evaluate(Tool("Bash", new { command = "git push" }, agent: null)).Approval);
    }

    [Fact]
    public void Agent_names_route_case_insensitively_like_rule_agent_filters()
    {
        Assert.NotNull(With("approvals: {plain_asks: {codex: approval}}").Evaluate(BashFor("Codex", "git push")).Approval);
        Assert.NotNull(With("approvals: {plain_asks: auto}").Evaluate(BashFor("CODEX", "git push")).Approval);
    }

    [Fact]
    public void Every_matching_ask_rule_with_approval_and_the_routed_plain_ask_take_part()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            rules:
              - id: plain
                effect: ask
                match: "Bash(kubectl *)"
              - id: first
                effect: ask
                match: "Bash(rm *)"
                approval: {by: [user:first]}
              - id: second
                effect: ask
                match: "Bash(kubectl *)"
                approval: {by: [user:second]}
            approvals: {plain_asks: approval, by: [user:plain]}
            """);

        Assert.Equal("first", policy.Evaluate(Bash("rm -rf build")).Approval!.RuleId);
        Assert.Equal("second by nobody", Who(policy.Evaluate(Bash("kubectl apply"))));
        Assert.Equal("first,second by nobody", Who(policy.Evaluate(Bash("kubectl apply && rm -rf build"))));
        Assert.Equal("first,second by nobody", Who(policy.Evaluate(Bash("rm -rf build; kubectl apply"))));

        static string Who(PolicyDecision decision) => $"{decision.Approval!.RuleId} by {string.Join(',', decision.Approval.By)}";
    }

    [Fact]
    public void A_deny_is_never_routed_to_a_person()
    {
        var policy = With("approvals: {plain_asks: approval}");

        var read = policy.Evaluate(Tool("Read", new { file_path = "/home/dev/proj/.env" }, agent: "codex"));
        var compound = policy.Evaluate(BashFor("codex", "kubectl apply --context prod && cat .env"));

        Assert.Equal((Effect.Deny, null), (read.Effect, read.Approval));
        Assert.Equal((Effect.Deny, null), (compound.Effect, compound.Approval));
        Assert.Null(policy.Evaluate(BashFor("codex", "ls")).Approval);
    }

    [Fact]
    public void The_engines_own_asks_are_plain_asks()
    {
        var policy = With("approvals: {plain_asks: auto, by: [group:sec]}");

        var opaque = policy.Evaluate(BashFor("codex", "python3 -c 'print(1)'"));
        var dynamic = policy.Evaluate(BashFor("gemini", "$TOOL --version"));

        Assert.Equal((Effect.Ask, ReasonCodes.OpaqueCode), (opaque.Effect, opaque.ReasonCode));
        Assert.Equal(["group:sec"], opaque.Approval!.By);
        Assert.Equal(ReasonCodes.DynamicCommand, dynamic.ReasonCode);
        Assert.Equal("", dynamic.Approval!.RuleId);
        Assert.Null(policy.Evaluate(BashFor("claude", "python3 -c 'print(1)'")).Approval);
    }

    [Fact]
    public void An_escalated_ask_is_a_plain_ask()
    {
        var policy = CompiledPolicy.Load("""
            version: 1
            rules:
              - {id: no-rm, effect: deny, match: "Bash(rm *)"}
              - {id: ls, effect: allow, match: "Bash(ls *)"}
            escalate: {after_denials: 1, effect: ask}
            approvals: {plain_asks: approval}
            """);
        var session = new PolicySessionState(TimeProvider.System);

        Assert.Equal(Effect.Deny, policy.Evaluate(Bash("rm x"), session).Effect);
        var escalated = policy.Evaluate(Bash("ls -la"), session);

        Assert.Equal((Effect.Ask, ReasonCodes.Escalation), (escalated.Effect, escalated.ReasonCode));
        Assert.Equal("", escalated.Approval!.RuleId);
    }

    [Fact]
    public void Explanations_show_who_answers()
    {
        var explanation = With("").Explain(BashFor("claude", "kubectl apply --context prod"));

        Assert.Equal("prod", explanation.Decision.Approval!.RuleId);
        Assert.Contains("approval: by group:sre; timeout 90s; on_timeout deny; remember session; rule prod", explanation.ToString());
        Assert.DoesNotContain("approval:", With("").Explain(BashFor("claude", "git push")).ToString());
    }
}
