using Hookline.Shared;
using Hookline.Sidecar.Internal.Agents;

namespace Hookline.Sidecar.Tests;

/// <summary>src/Shared/AgentNames.cs, the one list of agents the hook, the sidecar, the policy and the CLI name.</summary>
public sealed class AgentNamesTests
{
    [Fact]
    public void Every_agent_has_an_adapter_and_every_adapter_is_in_the_list()
    {
        Assert.Equal(AgentNames.Names().Order(StringComparer.Ordinal), AgentAdapters.Names.Order(StringComparer.Ordinal));
        Assert.All(AgentNames.All, agent => Assert.Equal(agent.Name, AgentAdapters.Find(agent.Name)!.Name));
    }

    [Fact]
    public void Subsets_are_properties_of_the_one_list()
    {
        Assert.Equal(["claude", "codex", "gemini", "cursor", "qwen", "copilot"], AgentNames.Names());
        // hookline start launches these; cursor is wired with hookline install only.
        Assert.Equal(["claude", "codex", "gemini", "qwen", "copilot"], AgentNames.Names(a => a.Startable));
        Assert.Equal("claude, codex, gemini, cursor, qwen or copilot", AgentNames.Listed());
    }

    [Theory]
    [InlineData("claude", "pre-tool-use", true)]
    [InlineData("claude", "post-tool-use", false)]
    [InlineData("gemini", "before-agent", true)]
    [InlineData("gemini", "after-tool", false)]
    [InlineData("cursor", "before-read-file", true)]
    [InlineData("qwen", "pre-tool-use", true)]
    [InlineData("qwen", "user-prompt-submit", true)]
    [InlineData("qwen", "permission-request", false)]
    [InlineData("qwen", "post-tool-use", false)]
    [InlineData("copilot", "pre-tool-use", true)]
    [InlineData("copilot", "user-prompt-submitted", true)]
    [InlineData("copilot", "post-tool-use", false)]
    [InlineData("not-an-agent", "anything", true)]
    public void Blocking_events_are_one_fact_for_the_hook_and_the_adapters(string agent, string hookEvent, bool blocking)
    {
        Assert.Equal(blocking, AgentNames.IsBlocking(agent, hookEvent));
        if (AgentAdapters.Find(agent) is { } adapter)
        {
            Assert.Equal(blocking, adapter.IsBlocking(hookEvent));
        }
    }
}
