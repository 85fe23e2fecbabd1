using Hookline.Shared;
using Hookline.Sidecar.Internal.Agents;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// The agent facts the one list replaced, copied verbatim from 80ea93d (the hook's
/// BlockingEvents, the adapters' IsBlocking, Core's InputRewrite.Supported), checked for every agent, case variants
/// and unknown names, and every event name the wirings install. A drift here changes what fail mode closed denies.
/// </summary>
public sealed class AgentFactsPinTests
{
    private static readonly string[] Agents = ["claude", "codex", "gemini", "cursor", "Claude", "CODEX", " claude", "", "not-an-agent", "copilot"];

    private static readonly string[] Events =
    [
        "after-agent", "after-file-edit", "after-tool", "before-agent", "before-mcp-execution", "before-read-file",
        "before-shell-execution", "before-submit-prompt", "before-tool", "permission-request", "post-tool-use",
        "post-tool-use-failure", "pre-tool-use", "session-end", "session-start", "subagent-start", "subagent-stop",
        "user-prompt-submit", "user-prompt-submitted", "agent-stop", "Pre-Tool-Use", "pre-tool-use ", "", "status", "probe",
    ];

    private static readonly string[] CanonicalEvents = ["PreToolUse", "PermissionRequest", "PostToolUse", "UserPromptSubmit", "preToolUse", ""];

    /// <summary>src/Hookline.Hook/Internal/BlockingEvents.cs at 80ea93d.</summary>
    private static bool OldIsBlocking(string agent, string hookEvent) => agent switch
    {
        "claude" or "codex" => hookEvent is "pre-tool-use" or "permission-request" or "user-prompt-submit",
        "gemini" => hookEvent is "before-tool" or "before-agent",
        "cursor" => hookEvent is "pre-tool-use" or "before-shell-execution" or "before-mcp-execution"
            or "before-read-file" or "before-submit-prompt",
        // Added after 80ea93d (issue 16): GitHub Copilot CLI's camelCase events.
        "copilot" => hookEvent is "pre-tool-use" or "user-prompt-submitted",
        _ => true,
    };

    /// <summary>src/Hookline.Core/InputRewrite.cs Supported(agent, event) at 80ea93d.</summary>
    private static bool OldRewrites(string agent, string hookEventName) => hookEventName switch
    {
        "PreToolUse" => agent is "claude" or "codex" or "gemini" or "copilot",
        "PermissionRequest" => agent == "claude",
        _ => false,
    };

    [Fact]
    public void Blocking_classification_is_the_pre_refactor_one_for_every_agent_and_event()
    {
        foreach (var agent in Agents)
        {
            foreach (var hookEvent in Events)
            {
                Assert.True(OldIsBlocking(agent, hookEvent) == AgentNames.IsBlocking(agent, hookEvent), $"{agent}/{hookEvent}");
                if (AgentAdapters.Find(agent) is { } adapter)
                {
                    Assert.True(OldIsBlocking(agent, hookEvent) == adapter.IsBlocking(hookEvent), $"adapter {agent}/{hookEvent}");
                }
            }
        }
    }

    [Fact]
    public void Input_rewrite_support_is_the_pre_refactor_one_for_every_agent_and_event()
    {
        foreach (var agent in Agents)
        {
            foreach (var hookEvent in CanonicalEvents)
            {
                Assert.True(OldRewrites(agent, hookEvent) == Core.InputRewrite.Supported(agent, hookEvent), $"{agent}/{hookEvent}");
            }
        }
    }
}
