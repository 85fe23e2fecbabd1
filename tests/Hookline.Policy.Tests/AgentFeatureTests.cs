namespace Hookline.Policy.Tests;

/// <summary>
/// Issue 16: <c>agents:</c> naming an agent an older engine does not know needs a feature of the snapshot, so that
/// engine refuses the snapshot and says which agent it lacks, instead of failing to read it.
/// </summary>
public class AgentFeatureTests
{
    [Fact]
    public void A_rule_for_copilot_needs_the_copilot_feature_and_this_engine_has_it()
    {
        var copilot = CompiledPolicy.Load("version: 1\nrules:\n  - {id: a, effect: deny, match: \"Bash(rm *)\", agents: [claude, copilot]}\n");

        Assert.Equal(["agent:copilot"], copilot.Document.RequiredFeatures);
        Assert.Empty(PolicyFeatures.Unsupported(copilot.Document.RequiredFeatures));
    }

    [Fact]
    public void The_agents_every_engine_knows_need_no_feature()
    {
        var older = CompiledPolicy.Load("version: 1\nrules:\n  - {id: a, effect: deny, match: \"Bash(rm *)\", agents: [claude, codex, gemini, cursor]}\n");

        Assert.Empty(older.Document.RequiredFeatures);
    }
}
