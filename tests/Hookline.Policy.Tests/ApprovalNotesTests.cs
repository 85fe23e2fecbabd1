namespace Hookline.Policy.Tests;

/// <summary><c>hookline policy check</c> on approvals that would not do what they seem to.</summary>
public sealed class ApprovalNotesTests
{
    private static List<string> Notes(string text) =>
        PolicyNotes.Of(CompiledPolicy.Load(text), "p.yaml").Select(n => n.ToString()).ToList();

    private const string AskRule = "version: 1\nrules:\n  - id: prod\n    effect: ask\n    match: \"Bash(kubectl *)\"\n";

    [Fact]
    public void On_timeout_ask_reaching_agents_without_a_prompt_is_a_warning_at_the_rule()
    {
        var notes = Notes(AskRule + "    approval: {on_timeout: ask}\n");

        Assert.Equal(["p.yaml:3:5: warning: rule prod: on_timeout: ask reaches codex, gemini, copilot, which have no prompt of their own: there a timeout is a deny saying approval is needed"], notes);
    }

    [Fact]
    public void On_timeout_ask_for_agents_that_prompt_is_fine()
    {
        Assert.Empty(Notes(AskRule + "    agents: [claude, cursor]\n    approval: {on_timeout: ask}\n"));
        Assert.Empty(Notes(AskRule + "    approval: {on_timeout: deny}\n"));
        Assert.Equal(["p.yaml:3:5: warning: rule prod: on_timeout: ask reaches codex, which has no prompt of its own: there a timeout is a deny saying approval is needed"],
            Notes(AskRule + "    agents: [claude, codex]\n    approval: {on_timeout: ask}\n"));
    }

    [Fact]
    public void Plain_asks_sent_to_approvals_with_on_timeout_ask_warn_for_the_agents_that_cannot_prompt()
    {
        var auto = Notes("version: 1\napprovals:\n  plain_asks: auto\n  on_timeout: ask\n");

        Assert.Equal(["p.yaml:3:3: warning: approvals: on_timeout: ask reaches codex, gemini, copilot, which have no prompt of their own: there a timeout is a deny saying approval is needed"], auto);
        Assert.Empty(Notes("version: 1\napprovals:\n  plain_asks: {claude: approval}\n  on_timeout: ask\n"));
    }

    [Fact]
    public void Sending_an_agent_without_a_prompt_to_its_prompt_is_a_warning()
    {
        var notes = Notes("version: 1\napprovals:\n  plain_asks: {codex: prompt, default: approval}\n");

        Assert.Equal(["p.yaml:3:3: warning: plain_asks sends codex's plain asks to its own prompt, and codex has none: they are denied saying approval is needed (write codex: approval, or auto)"], notes);
        Assert.Empty(Notes("version: 1\napprovals:\n  plain_asks: {claude: prompt, default: approval}\n"));
    }

    [Fact]
    public void Defaults_that_no_plain_ask_reaches_are_a_note()
    {
        var notes = Notes("version: 1\napprovals:\n  by: [group:sre]\n  timeout: 30s\n");

        Assert.Single(notes);
        Assert.StartsWith("p.yaml:3:3: note: approvals: by, timeout, on_timeout, remember and self_approve apply to plain asks sent to approvals, and plain_asks sends none there", notes[0]);
        Assert.Empty(Notes("version: 1\napprovals:\n  plain_asks: prompt\n"));
        Assert.Empty(Notes("version: 1\napprovals:\n  plain_asks: auto\n  by: [group:sre]\n"));
    }

    [Fact]
    public void Approval_rules_with_no_approver_in_common_for_one_tool_are_a_warning()
    {
        const string Rules = """
            version: 1
            rules:
              - {id: rm, effect: ask, match: "Bash(rm *)", approval: {by: [user:dev]}}
              - {id: prod, effect: ask, match: "Bash(kubectl *)", approval: {by: [group:sre]}}
              - {id: any, effect: ask, match: "Bash(terraform *)", approval: {by: [any-approver]}}
              - {id: keys, effect: ask, match: "Read(./keys/**)", approval: {by: [group:sec]}}
            """;

        Assert.Equal(["p.yaml:4:5: warning: rules rm and prod name no approver in common: when both match one call (a compound command, several files), nobody can answer and on_timeout applies"],
            Notes(Rules));
        Assert.Empty(Notes(Rules.Replace("[group:sre]", "[group:sre, user:dev]", StringComparison.Ordinal)));
        Assert.Empty(Notes(Rules.Replace("match: \"Bash(rm *)\",", "match: \"Bash(rm *)\", agents: [claude],", StringComparison.Ordinal)
            .Replace("match: \"Bash(kubectl *)\",", "match: \"Bash(kubectl *)\", agents: [codex],", StringComparison.Ordinal)));
    }
}
