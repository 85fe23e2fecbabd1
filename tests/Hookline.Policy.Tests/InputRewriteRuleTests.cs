namespace Hookline.Policy.Tests;

/// <summary><c>set:</c> on an allow rule: the tool input fields it rewrites, validated like the rest of the document.</summary>
public class InputRewriteRuleTests
{
    [Fact]
    public void Set_keeps_each_field_with_its_value_as_json_typed_by_how_it_is_written()
    {
        var doc = PolicyDocument.Parse("""
            version: 1
            rules:
              - id: quiet-npm
                effect: allow
                match: "Bash(npm install *)"
                set: {command: "npm ci --no-audit", timeout: 60000, run_in_background: false, note: plain words, quoted: "42"}
            """);

        Assert.Equal(
            [new("command", "\"npm ci --no-audit\""), new("timeout", "60000"), new("run_in_background", "false"), new("note", "\"plain words\""), new("quoted", "\"42\"")],
            doc.Rules[0].Set);
    }

    [Fact]
    public void A_rule_without_set_rewrites_nothing() =>
        Assert.Empty(PolicyDocument.Parse("version: 1\nrules:\n  - {id: a, effect: allow, match: Bash}\n").Rules[0].Set);

    [Theory]
    [InlineData("{id: a, effect: deny, match: Bash, set: {command: ls}}", "only an allow rule may have it")]
    [InlineData("{id: a, effect: ask, match: Bash, set: {command: ls}}", "only an allow rule may have it")]
    [InlineData("{id: a, effect: allow, match: Bash, set: {}}", "non-empty mapping")]
    [InlineData("{id: a, effect: allow, match: Bash, set: [command]}", "non-empty mapping")]
    [InlineData("{id: a, effect: allow, match: Bash, set: {\"bad field\": x}}", "tool input field name")]
    [InlineData("{id: a, effect: allow, match: Bash, set: {command: [a, b]}}", "must be a string, number or boolean")]
    [InlineData("{id: a, effect: allow, match: Bash, set: {command: null}}", "must be a string, number or boolean")]
    public void A_bad_set_rejects_the_whole_document_with_its_position(string rule, string message)
    {
        var ex = Assert.Throws<PolicyException>(() => PolicyDocument.Parse($"version: 1\nrules:\n  - {rule}\n", "p.yaml"));

        var error = Assert.Single(ex.Errors);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Line);
    }
}
