using static Hookline.Policy.Tests.TestSupport;

namespace Hookline.Policy.Tests;

/// <summary>
/// Issue 16: a rule's <c>agents:</c> may name an agent added after policy feature lists began (Qwen Code). Such a
/// document requires that agent's feature, so a sidecar from before the agent refuses its snapshot instead of
/// misreading the rule; an agent name no build knows stays a document error.
/// </summary>
public class AgentFeatureTests
{
    private const string ForQwen = """
        version: 1
        rules:
          - id: no-rm-in-qwen
            effect: deny
            match: "Bash(rm *)"
            agents: [qwen]
        """;

    [Fact]
    public void Naming_qwen_in_agents_requires_the_agent_qwen_feature_which_this_engine_honours()
    {
        var policy = CompiledPolicy.Load(ForQwen);

        Assert.Equal(["agent_qwen"], policy.Document.RequiredFeatures);
        Assert.Contains("agent_qwen", PolicyFeatures.Supported);
        Assert.Empty(PolicyFeatures.Unsupported(policy.Document.RequiredFeatures));
        // An engine from before Qwen (opaque_code only) lacks it.
        Assert.Equal(["agent_qwen"], PolicyFeatures.Unsupported(policy.Document.RequiredFeatures, [PolicyFeatures.OpaqueCode]));
    }

    [Fact]
    public void The_rule_governs_qwen_and_no_other_agent()
    {
        var policy = CompiledPolicy.Load(ForQwen);

        Assert.Equal(Effect.Deny, policy.Decide(Tool("Bash", new { command = "rm -rf build" }, agent: "qwen")));
        Assert.Equal(Effect.Allow, policy.Decide(Tool("Bash", new { command = "rm -rf build" }, agent: "claude")));
    }

    [Theory]
    [InlineData("[claude, codex]")]
    [InlineData("[gemini, cursor]")]
    [InlineData("claude")]
    public void The_agents_every_feature_aware_sidecar_knows_require_no_feature(string agents)
    {
        Assert.Empty(CompiledPolicy.Load(ForQwen.Replace("[qwen]", agents, StringComparison.Ordinal)).Document.RequiredFeatures);
    }

    [Fact]
    public void Features_are_listed_once_however_often_the_agent_is_named()
    {
        var twice = ForQwen + """

              - {id: no-curl-in-qwen, effect: deny, match: "Bash(curl *)", agents: [qwen, claude]}
            opaque_code: deny
            """;

        Assert.Equal(["agent_qwen", "opaque_code"], CompiledPolicy.Load(twice).Document.RequiredFeatures);
    }

    [Theory]
    [InlineData("[qwen-code]")]
    [InlineData("[Qwen]")]
    [InlineData("[claude, not-an-agent]")]
    public void An_agent_name_no_build_knows_is_a_document_error_with_its_position(string agents)
    {
        Assert.False(PolicyDocument.TryParse(ForQwen.Replace("[qwen]", agents, StringComparison.Ordinal), "p.yaml", out _, out var errors));
        var error = Assert.Single(errors);
        Assert.Equal(6, error.Line);
        Assert.Contains("unknown agent (expected one of: claude, codex, gemini, cursor, qwen, copilot)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_for_copilot_needs_the_copilot_feature_and_this_engine_has_it()
    {
        var copilot = CompiledPolicy.Load("version: 1\nrules:\n  - {id: a, effect: deny, match: \"Bash(rm *)\", agents: [claude, copilot]}\n");

        Assert.Equal(["agent_copilot"], copilot.Document.RequiredFeatures);
        Assert.Empty(PolicyFeatures.Unsupported(copilot.Document.RequiredFeatures));
        Assert.Equal(["agent_copilot"], PolicyFeatures.Unsupported(copilot.Document.RequiredFeatures, [PolicyFeatures.OpaqueCode]));
    }
}
