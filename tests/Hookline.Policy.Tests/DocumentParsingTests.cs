namespace Hookline.Policy.Tests;

public class DocumentParsingTests
{
    private const string Minimal = """
        version: 1
        default: allow          # allow | ask | deny
        rules:
          - id: no-force-delete
            effect: deny
            match: "Bash(rm -rf *)"
            reason: "Recursive force delete is blocked"
          - id: confirm-push
            effect: ask
            match: ["Bash(git push *)"]
        """;

    [Fact]
    public void Parses_the_minimal_document_of_issue_2()
    {
        var doc = PolicyDocument.Parse(Minimal);
        Assert.Equal(Effect.Allow, doc.Default);
        Assert.Equal(PolicyMode.Enforce, doc.Mode);
        Assert.Null(doc.FailMode);
        Assert.Null(doc.BudgetMs);
        Assert.Null(doc.MaxSnapshotAge);
        Assert.Equal(["no-force-delete", "confirm-push"], doc.Rules.Select(r => r.Id));
        Assert.Equal(Effect.Deny, doc.Rules[0].Effect);
        Assert.Equal(["Bash(rm -rf *)"], doc.Rules[0].Match);
        Assert.Equal("Recursive force delete is blocked", doc.Rules[0].Reason);
        Assert.Equal(4, doc.Rules[0].Line);
        Assert.Equal(Minimal, doc.Text);
    }

    [Fact]
    public void Hash_is_lowercase_hex_sha256_of_the_utf8_text()
    {
        var doc = PolicyDocument.Parse("version: 1\n");
        var expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("version: 1\n"u8.ToArray()));
        Assert.Equal(expected, doc.Hash);
    }

    [Fact]
    public void Reads_top_level_settings()
    {
        var doc = PolicyDocument.Parse("""
            version: 1
            default: ask
            mode: observe
            fail_mode: open
            budget_ms: 12
            max_snapshot_age: 30m
            rules: []
            """);
        Assert.Equal(Effect.Ask, doc.Default);
        Assert.Equal(PolicyMode.Observe, doc.Mode);
        Assert.Equal(FailMode.Open, doc.FailMode);
        Assert.Equal(12, doc.BudgetMs);
        Assert.Equal(TimeSpan.FromMinutes(30), doc.MaxSnapshotAge);
    }

    [Theory]
    [InlineData("24h", 24 * 3600)]
    [InlineData("30m", 30 * 60)]
    [InlineData("90s", 90)]
    [InlineData("1d", 86400)]
    public void Max_snapshot_age_accepts_duration_units(string text, int seconds)
    {
        var doc = PolicyDocument.Parse($"version: 1\nmax_snapshot_age: {text}\n");
        Assert.Equal(TimeSpan.FromSeconds(seconds), doc.MaxSnapshotAge);
    }

    [Fact]
    public void Json_documents_are_accepted()
    {
        var doc = PolicyDocument.Parse("""
            {"version": 1, "default": "deny", "rules": [
              {"id": "a", "effect": "allow", "match": "Bash(ls *)"}
            ]}
            """);
        Assert.Equal(Effect.Deny, doc.Default);
        Assert.Equal("a", doc.Rules[0].Id);
    }

    [Fact]
    public void Every_error_is_reported_with_line_and_column()
    {
        var text = """
            version: 1
            default: maybe
            colour: blue
            rules:
              - id: a
                effect: deny
                match: "Bash(rm *)"
              - id: a
                effect: allow
                match: "Read(./x)"
              - effect: block
                match: "Nope("
            """;
        var ok = PolicyDocument.TryParse(text, "p.yaml", out var doc, out var errors);
        Assert.False(ok);
        Assert.Null(doc);
        Assert.Contains(errors, e => e is { Line: 2, Column: 10 } && e.Message.Contains("allow, ask, deny"));
        Assert.Contains(errors, e => e is { Line: 3, Column: 1 } && e.Message.Contains("colour"));
        Assert.Contains(errors, e => e.Line == 8 && e.Message.Contains("duplicate rule id 'a'"));
        Assert.Contains(errors, e => e.Line == 11 && e.Message.Contains("missing 'id'"));
        Assert.Contains(errors, e => e is { Line: 11, Column: 13 } && e.Message.Contains("allow, ask, deny"));
        Assert.Contains(errors, e => e.Line == 12 && e.Message.Contains("must end with ')'"));
        Assert.All(errors, e => Assert.Equal("p.yaml", e.Source));
    }

    [Fact]
    public void Exception_message_lists_all_errors_one_per_line()
    {
        var ex = Assert.Throws<PolicyException>(() => PolicyDocument.Parse("version: 2\nmode: loud\n", "x.yaml"));
        Assert.Equal(2, ex.Errors.Count);
        Assert.Equal(["x.yaml:1:10: unsupported version: only version 1 is known", "x.yaml:2:7: expected one of: enforce, observe, disabled"], ex.Message.Split('\n'));
    }

    [Theory]
    [InlineData("a,b")]
    [InlineData("x123456789x123456789x123456789x123456789x123456789x123456789x123456789x123456789y")]
    public void A_rule_id_the_audit_trail_cannot_store_as_it_is_is_refused_at_its_position(string id)
    {
        Assert.False(PolicyDocument.TryParse($"version: 1\nrules:\n  - id: {id}\n    effect: deny\n    match: \"Bash(rm *)\"\n", "p", out _, out var errors));
        var error = Assert.Single(errors);
        Assert.Equal((3, 9), (error.Line, error.Column));
        Assert.Contains($"at most {PolicyRule.MaxIdLength} characters and contain no comma", error.Message);
    }

    [Fact]
    public void A_decision_names_at_most_the_first_32_rules_that_decided_it()
    {
        var rules = Enumerable.Range(0, 40).Select(_ => ("deny", "Bash(rm *)")).ToArray();
        var decision = TestSupport.PolicyOf("allow", rules).Evaluate(TestSupport.Bash("rm -rf /tmp/x"));
        Assert.Equal(Effect.Deny, decision.Effect);
        Assert.Equal(Enumerable.Range(0, PolicyDecision.MaxRuleIds).Select(i => $"r{i}"), decision.RuleIds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n# only a comment\n")]
    [InlineData("- a\n- b\n")]
    [InlineData("version: 1\nrules: {a: b}\n")]
    [InlineData("version: 1\nrules:\n  - id: x\n    effect: deny\n    match: [\"Bash(rm *)\"\n")]
    [InlineData("{\"version\": 1, \"rules\": [}")]
    [InlineData("rules: []\n")]
    public void Broken_documents_are_refused(string text)
    {
        Assert.False(PolicyDocument.TryParse(text, "p", out _, out var errors));
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.True(e.Line >= 1 && e.Column >= 1));
    }

    [Fact]
    public void Yaml_syntax_errors_carry_the_position()
    {
        Assert.False(PolicyDocument.TryParse("version: 1\nrules:\n  - id: x\n   effect: deny\n", "p", out _, out var errors));
        var error = Assert.Single(errors);
        Assert.Equal(4, error.Line);
        Assert.StartsWith("YAML syntax error", error.Message);
    }

    [Fact]
    public void Json_errors_carry_the_position()
    {
        Assert.False(PolicyDocument.TryParse("{\n  \"version\": 1,\n  \"rules\": [1 2]\n}", "p.json", out _, out var errors));
        Assert.Equal(3, errors[0].Line);
    }

    [Fact]
    public void Duplicate_keys_are_errors()
    {
        Assert.False(PolicyDocument.TryParse("version: 1\ndefault: allow\ndefault: deny\n", "p", out _, out var errors));
        Assert.Contains(errors, e => e.Line == 3 && e.Message.Contains("duplicate key"));
    }

    [Fact]
    public void Aliases_are_refused()
    {
        Assert.False(PolicyDocument.TryParse("version: 1\nx: &a [1]\n", "p", out _, out var errors));
        Assert.False(PolicyDocument.TryParse("version: 1\ndefault: &d allow\nmode: *d\n", "p", out _, out errors));
        Assert.Contains(errors, e => e.Message.Contains("aliases"));
    }

    [Fact]
    public void Error_ToString_is_source_line_column_message()
    {
        Assert.Equal("a.yaml:3:7: boom", new PolicyError("a.yaml", 3, 7, "boom").ToString());
    }

    [Fact]
    public void Match_accepts_a_string_or_a_list_and_unless_the_same()
    {
        var doc = PolicyDocument.Parse("""
            version: 1
            rules:
              - id: a
                effect: ask
                match: [Bash(git push *), "Bash(git reset --hard*)"]
                unless: Bash(git push origin feature/*)
                agents: [claude, codex]
            """);
        Assert.Equal(2, doc.Rules[0].Match.Count);
        Assert.Equal(["Bash(git push origin feature/*)"], doc.Rules[0].Unless);
        Assert.Equal(["claude", "codex"], doc.Rules[0].Agents);
    }
}
