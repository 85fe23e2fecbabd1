namespace Hookline.Policy.Tests;

/// <summary>A rule's <c>approval:</c> and the document's <c>approvals:</c> (docs/approvals.md): read, defaulted and validated with line and column.</summary>
public sealed class ApprovalDocumentTests
{
    private const string ProdDeploys = """
        version: 1
        rules:
          - id: prod-deploys
            effect: ask
            match: "Bash(kubectl * --context prod*)"
            approval: {by: [group:sre, user:alice], timeout: 120s, on_timeout: deny, remember: session}
          - id: pushes
            effect: ask
            match: "Bash(git push *)"
        approvals:
          plain_asks: auto
          by: [any-approver]
          timeout: 60s
          on_timeout: ask
          remember: once
          self_approve: true
        """;

    private static IReadOnlyList<PolicyError> Errors(string text)
    {
        Assert.False(PolicyDocument.TryParse(text, "p.yaml", out _, out var errors));
        return errors;
    }

    private static PolicyError Single(string text) => Assert.Single(Errors(text));

    private static string RuleWith(string approval, string effect = "ask") =>
        $"version: 1\nrules:\n  - id: r\n    effect: {effect}\n    match: \"Bash(x *)\"\n    approval: {approval}\n";

    [Fact]
    public void The_documented_example_parses_into_the_rule_and_the_document_defaults()
    {
        var document = PolicyDocument.Parse(ProdDeploys);

        var approval = document.Rules[0].Approval!;
        Assert.Equal(["group:sre", "user:alice"], approval.By);
        Assert.Equal(TimeSpan.FromSeconds(120), approval.Timeout);
        Assert.Equal(Effect.Deny, approval.OnTimeout);
        Assert.True(approval.RememberSession);
        Assert.False(approval.SelfApprove);
        Assert.Equal("prod-deploys", approval.RuleId);
        Assert.Null(document.Rules[1].Approval);

        var approvals = document.Approvals;
        Assert.True(approvals.IsSet);
        Assert.Equal(PlainAskRoute.Auto, approvals.PlainAsks);
        Assert.Equal(new ApprovalSpec(approvals.Defaults.By, TimeSpan.FromSeconds(60), Effect.Ask, false, true, ""), approvals.Defaults);
        Assert.Equal(["any-approver"], approvals.Defaults.By);
        Assert.Equal([PolicyFeatures.Approvals], document.RequiredFeatures);
    }

    [Fact]
    public void Keys_left_out_take_the_documented_defaults_not_the_documents_approvals()
    {
        var document = PolicyDocument.Parse(RuleWith("{}") + "approvals: {by: [user:bob], timeout: 30s, self_approve: true}\n");

        var approval = document.Rules[0].Approval!;
        Assert.Equal(["any-approver"], approval.By);
        Assert.Equal(TimeSpan.FromSeconds(120), approval.Timeout);
        Assert.Equal(Effect.Deny, approval.OnTimeout);
        Assert.False(approval.RememberSession);
        Assert.False(approval.SelfApprove);
        Assert.Equal(PlainAskRoute.Prompt, document.Approvals.PlainAsks);
        Assert.Equal(["user:bob"], document.Approvals.Defaults.By);
    }

    [Fact]
    public void A_document_without_approvals_needs_no_feature_and_routes_every_plain_ask_to_the_prompt()
    {
        var document = PolicyDocument.Parse("version: 1\nrules:\n  - {id: a, effect: ask, match: \"Bash(x)\"}\n");

        Assert.Same(PolicyApprovals.None, document.Approvals);
        Assert.False(document.Approvals.IsSet);
        Assert.Empty(document.RequiredFeatures);
        Assert.All(Hookline.Shared.AgentNames.Names(), agent => Assert.False(document.Approvals.RoutesToApproval(agent)));
    }

    [Fact]
    public void Either_key_alone_requires_the_approvals_feature_which_an_older_engine_lacks()
    {
        var rule = PolicyDocument.Parse(RuleWith("{by: [user:a]}"));
        var top = PolicyDocument.Parse("version: 1\napprovals: {plain_asks: prompt}\n");

        Assert.Equal([PolicyFeatures.Approvals], rule.RequiredFeatures);
        Assert.Equal([PolicyFeatures.Approvals], top.RequiredFeatures);
        Assert.Contains(PolicyFeatures.Approvals, PolicyFeatures.Supported);
        Assert.Empty(PolicyFeatures.Unsupported(rule.RequiredFeatures));
        Assert.Equal([PolicyFeatures.Approvals], PolicyFeatures.Unsupported(top.RequiredFeatures, [PolicyFeatures.OpaqueCode, "agent_qwen", "agent_copilot"]));
    }

    [Fact]
    public void Json_documents_go_through_the_same_reader()
    {
        var document = PolicyDocument.Parse("""
            {"version": 1, "rules": [
              {"id": "p", "effect": "ask", "match": "Bash(kubectl *)",
               "approval": {"by": ["group:sre"], "timeout": "90s", "on_timeout": "ask", "remember": "session", "self_approve": true}}
            ],
             "approvals": {"plain_asks": {"codex": "approval", "default": "prompt"}, "timeout": "45s"}}
            """);

        Assert.Equal(new ApprovalSpec(document.Rules[0].Approval!.By, TimeSpan.FromSeconds(90), Effect.Ask, true, true, "p"), document.Rules[0].Approval);
        Assert.Equal(["group:sre"], document.Rules[0].Approval!.By);
        Assert.Equal(PlainAskRoute.Approval, document.Approvals.PerAgent["codex"]);
        Assert.Equal(TimeSpan.FromSeconds(45), document.Approvals.Defaults.Timeout);

        var errors = Errors("""{"version": 1, "rules": [{"id": "p", "effect": "deny", "match": "Bash(x)", "approval": {"on_timeout": "allow"}}]}""");
        Assert.Contains(errors, e => e is { Line: 1, Column: 88 } && e.Message.Contains("only an ask rule"));
        Assert.Contains(errors, e => e is { Line: 1, Column: 103 } && e.Message.Contains("never allows"));
    }

    [Theory]
    [InlineData("allow")]
    [InlineData("deny")]
    public void Approval_on_a_rule_that_is_not_ask_is_an_error_at_its_value(string effect)
    {
        var error = Single(RuleWith("{by: [user:a]}", effect));

        Assert.Equal((6, 15), (error.Line, error.Column));
        Assert.Contains("only an ask rule may have it", error.Message);
        Assert.Contains(effect, error.Message);
    }

    [Theory]
    [InlineData("{by: [user:a], colour: red}", 6, 30, "unknown approval key 'colour'")]
    [InlineData("yes", 6, 15, "'approval' must be a mapping")]
    [InlineData("{by: []}", 6, 20, "at least one approver")]
    [InlineData("{by: [admin]}", 6, 21, "unknown approver 'admin'")]
    [InlineData("{by: [user:]}", 6, 21, "empty name")]
    [InlineData("{by: [\"group: \"]}", 6, 21, "empty name")]
    [InlineData("{by: [\"user:a\\tb\"]}", 6, 21, "control or direction character")]
    [InlineData("{by: [\"user:a\\u202eb\"]}", 6, 21, "control or direction character")]
    [InlineData("{by: [user:a, user:a]}", 6, 29, "listed twice")]
    [InlineData("{by: [[user:a]]}", 6, 21, "each 'by' entry")]
    [InlineData("{timeout: 0s}", 6, 25, "expected a duration")]
    [InlineData("{timeout: 500ms}", 6, 25, "from 1s to 540s")]
    [InlineData("{timeout: 541s}", 6, 25, "from 1s to 540s")]
    [InlineData("{timeout: 10m}", 6, 25, "from 1s to 540s")]
    [InlineData("{on_timeout: allow}", 6, 28, "on_timeout cannot be allow: an approval nobody gave never allows")]
    [InlineData("{on_timeout: maybe}", 6, 28, "expected one of: deny, ask")]
    [InlineData("{remember: forever}", 6, 26, "expected one of: once, session")]
    [InlineData("{self_approve: yes}", 6, 30, "expected one of: true, false")]
    public void Every_approval_field_is_validated_with_line_and_column(string approval, int line, int column, string message)
    {
        var error = Single(RuleWith(approval));

        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void The_longest_timeout_is_the_agents_cap_and_the_shortest_one_second()
    {
        Assert.Equal(TimeSpan.FromSeconds(540), PolicyDocument.Parse(RuleWith("{timeout: 540s}")).Rules[0].Approval!.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(9), PolicyDocument.Parse(RuleWith("{timeout: 9m}")).Rules[0].Approval!.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(1), PolicyDocument.Parse(RuleWith("{timeout: 1000ms}")).Rules[0].Approval!.Timeout);
        Assert.Equal(Hookline.Shared.AgentNames.MaxApprovalTimeoutMs, (int)TimeSpan.FromSeconds(540).TotalMilliseconds);
    }

    [Fact]
    public void A_single_approver_may_be_written_without_a_list()
    {
        Assert.Equal(["user:alice"], PolicyDocument.Parse(RuleWith("{by: user:alice}")).Rules[0].Approval!.By);
    }

    [Fact]
    public void A_huge_by_list_is_refused_not_carried_into_every_decision()
    {
        var many = string.Join(", ", Enumerable.Range(0, ApprovalSpec.MaxApprovers + 1).Select(i => $"user:u{i}"));
        var error = Single(RuleWith($"{{by: [{many}]}}"));

        Assert.Equal((6, 20), (error.Line, error.Column));
        Assert.Contains($"at most {ApprovalSpec.MaxApprovers}", error.Message);

        var enough = string.Join(", ", Enumerable.Range(0, ApprovalSpec.MaxApprovers).Select(i => $"user:u{i}"));
        Assert.Equal(ApprovalSpec.MaxApprovers, PolicyDocument.Parse(RuleWith($"{{by: [{enough}]}}")).Rules[0].Approval!.By.Count);
    }

    [Fact]
    public void An_approver_name_is_bounded_in_length()
    {
        var error = Single(RuleWith($"{{by: [user:{new string('a', 257)}]}}"));
        Assert.Contains("longer than 256", error.Message);
        Assert.Single(PolicyDocument.Parse(RuleWith($"{{by: [user:{new string('a', 256)}]}}")).Rules);
    }

    [Theory]
    [InlineData("approvals: {plain_asks: sometimes}", 2, 25, "expected one of: prompt, approval, auto")]
    [InlineData("approvals: {plain_asks: {codex: auto}}", 2, 33, "expected one of: prompt, approval")]
    [InlineData("approvals: {plain_asks: {vim: approval}}", 2, 26, "unknown agent 'vim' in 'plain_asks'")]
    [InlineData("approvals: {plain_asks: {codex: approval, codex: prompt}}", 2, 43, "duplicate key 'codex'")]
    [InlineData("approvals: {colour: red}", 2, 13, "unknown approvals key 'colour'")]
    [InlineData("approvals: [prompt]", 2, 12, "'approvals' must be a mapping")]
    [InlineData("approvals: {on_timeout: allow}", 2, 25, "never allows")]
    [InlineData("approvals: {by: [everyone]}", 2, 18, "unknown approver 'everyone'")]
    [InlineData("approvals: {timeout: 600s}", 2, 22, "from 1s to 540s")]
    public void The_document_approvals_are_validated_with_line_and_column(string approvals, int line, int column, string message)
    {
        var error = Single("version: 1\n" + approvals + "\n");

        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Every_error_of_a_document_is_reported_at_once()
    {
        var errors = Errors("""
            version: 1
            rules:
              - id: a
                effect: deny
                match: "Bash(x)"
                approval: {by: [nobody], on_timeout: allow}
            approvals:
              plain_asks: {gpt: approval}
              timeout: 0.5s
            """);

        Assert.Contains(errors, e => e.Line == 6 && e.Message.Contains("only an ask rule"));
        Assert.Contains(errors, e => e is { Line: 6, Column: 21 } && e.Message.Contains("unknown approver"));
        Assert.Contains(errors, e => e is { Line: 6, Column: 42 } && e.Message.Contains("never allows"));
        Assert.Contains(errors, e => e is { Line: 8, Column: 16 } && e.Message.Contains("unknown agent 'gpt'"));
        Assert.Contains(errors, e => e is { Line: 9, Column: 12 } && e.Message.Contains("duration"));
    }
}
