using Hookline.Contracts.V1;

namespace Hookline.Server.Tests;

/// <summary>observe never blocks but keeps what would have been decided; disabled records only.</summary>
public sealed class ModeTests
{
    private const string Rules = """
        default: deny
        rules:
          - id: no-force-delete
            effect: deny
            match: "Bash(rm -rf *)"
            reason: "Recursive force delete is blocked"
          - id: confirm-push
            effect: ask
            match: ["Bash(git push *)"]
          - id: git-status
            effect: allow
            match: "Bash(git status)"
        """;

    private static async Task<(Decision Decision, string Stored)> DecideAndStoreAsync(string mode, string command)
    {
        await using var server = await TestServer.StartAsync($"version: 1\nmode: {mode}\n{Rules}");
        await using var stream = await server.OpenStreamAsync();
        var snapshot = await stream.NextSnapshotAsync();
        Assert.Equal(mode == "observe" ? PolicyMode.Observe : PolicyMode.Disabled, snapshot.Mode);
        var hookEvent = Events.Bash(command);
        var decision = await stream.DecideAsync(hookEvent);
        await stream.ReadUntilStoredAsync(hookEvent.EventId);
        var stored = await server.ScalarAsync<string>(
            "SELECT verdict || '|' || evaluated || '|' || reason_code || '|' || is_default FROM events WHERE event_id = $id",
            ("$id", hookEvent.EventId));
        return (decision, stored);
    }

    [Theory]
    [InlineData("rm -rf /", Verdict.Deny, "no-force-delete")]
    [InlineData("git push origin main", Verdict.Ask, "confirm-push")]
    public async Task Observe_allows_and_records_what_the_rules_would_have_said(string command, Verdict wouldBe, string rule)
    {
        var (decision, stored) = await DecideAndStoreAsync("observe", command);

        Assert.Equal(Verdict.Allow, decision.Verdict);
        Assert.Equal(wouldBe, decision.Evaluated);
        Assert.Equal("observe", decision.ReasonCode);
        Assert.True(decision.IsDefault);
        Assert.Equal(PolicyMode.Observe, decision.Mode);
        Assert.Equal([rule], decision.RuleIds);
        Assert.Equal($"allow|{(wouldBe == Verdict.Deny ? "deny" : "ask")}|observe|1", stored);
    }

    [Fact]
    public async Task Observe_passes_an_explicit_allow_through_unchanged()
    {
        var (decision, _) = await DecideAndStoreAsync("observe", "git status");

        Assert.Equal(Verdict.Allow, decision.Verdict);
        Assert.Equal(Verdict.Allow, decision.Evaluated);
        Assert.Equal("rule", decision.ReasonCode);
        Assert.False(decision.IsDefault);
    }

    [Theory]
    [InlineData("rm -rf /")]
    [InlineData("echo unmatched")]
    public async Task Disabled_allows_as_the_default_and_records_only(string command)
    {
        var (decision, stored) = await DecideAndStoreAsync("disabled", command);

        Assert.Equal(Verdict.Allow, decision.Verdict);
        Assert.True(decision.IsDefault);
        Assert.Equal("disabled", decision.ReasonCode);
        Assert.Equal(PolicyMode.Disabled, decision.Mode);
        Assert.Empty(decision.RuleIds);
        Assert.StartsWith("allow|", stored);
        Assert.EndsWith("|disabled|1", stored);
    }
}
