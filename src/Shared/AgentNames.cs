namespace Hookline.Shared;

/// <summary>
/// The agents Hookline governs: the one list of their names and of the facts every project needs about each. Linked as
/// source into each project that names agents (the hook among them, which references no project). Adding an agent is
/// one entry here, plus its adapter (Sidecar/Internal/Agents) and its wiring (Cli/Wiring).
/// </summary>
internal static class AgentNames
{
    internal const string Claude = "claude";
    internal const string Codex = "codex";
    internal const string Gemini = "gemini";
    internal const string Cursor = "cursor";
    internal const string Qwen = "qwen";
    internal const string Copilot = "copilot";

    /// <summary>
    /// The hook timeout Hookline's wiring writes for every agent (<c>hookline start</c>, <c>install</c>). Long, because a
    /// hook may wait for a person's approval; the hook's own deadlines stay inside it, so the hook, not the agent's
    /// timeout, answers (some agents run the tool when a hook times out).
    /// </summary>
    internal const int WrittenHookTimeoutMs = 600_000;

    /// <summary>The longest a hook waits for a person's answer, from its start: inside <see cref="WrittenHookTimeoutMs"/> with room to answer.</summary>
    internal const int ApprovalWaitCapMs = 570_000;

    /// <summary>The longest <c>approval: {timeout}</c> a policy may set: inside <see cref="ApprovalWaitCapMs"/> with room for the exchange.</summary>
    internal const int MaxApprovalTimeoutMs = 540_000;

    /// <summary>Every agent, in the order help texts and messages list them.</summary>
    internal static readonly KnownAgent[] All =
    [
        new(Claude, startable: true, promptsOnAsk: true,
            blockingEvents: ["pre-tool-use", "permission-request", "user-prompt-submit"],
            rewritesInputIn: ["PreToolUse", "PermissionRequest"]),
        new(Codex, startable: true, promptsOnAsk: false,
            blockingEvents: ["pre-tool-use", "permission-request", "user-prompt-submit"],
            rewritesInputIn: ["PreToolUse"]),
        new(Gemini, startable: true, promptsOnAsk: false,
            blockingEvents: ["before-tool", "before-agent"],
            rewritesInputIn: ["PreToolUse"]),
        new(Cursor, startable: false, promptsOnAsk: true,
            blockingEvents: ["pre-tool-use", "before-shell-execution", "before-mcp-execution", "before-read-file", "before-submit-prompt"],
            rewritesInputIn: []),
        // Qwen Code ignores updatedInput in PreToolUse: a rewrite is denied (rewrite_unsupported).
        new(Qwen, startable: true, promptsOnAsk: true,
            blockingEvents: ["pre-tool-use", "user-prompt-submit"],
            rewritesInputIn: [], policyFeature: "agent_qwen"),
        // GitHub Copilot CLI's camelCase hooks: preToolUse denies and rewrites (modifiedArgs); userPromptSubmitted blocks.
        new(Copilot, startable: true, promptsOnAsk: false,
            blockingEvents: ["pre-tool-use", "user-prompt-submitted"],
            rewritesInputIn: ["PreToolUse"], policyFeature: "agent_copilot"),
    ];

    /// <summary>The agent called <paramref name="name"/> (as in <c>--agent</c>), or null for a name Hookline does not know.</summary>
    internal static KnownAgent? Find(string name)
    {
        foreach (var agent in All)
        {
            if (agent.Name == name)
            {
                return agent;
            }
        }
        return null;
    }

    /// <summary>True for the agent's blocking events; every event of an unknown agent counts as blocking.</summary>
    internal static bool IsBlocking(string agent, string hookEvent) => Find(agent)?.IsBlocking(hookEvent) ?? true;

    /// <summary>The names of every agent, or of those <paramref name="which"/> holds for.</summary>
    internal static string[] Names(Func<KnownAgent, bool>? which = null)
    {
        var names = new List<string>(All.Length);
        foreach (var agent in All)
        {
            if (which is null || which(agent))
            {
                names.Add(agent.Name);
            }
        }
        return names.ToArray();
    }

    /// <summary>"claude, codex, gemini or cursor": the names for a help text.</summary>
    internal static string Listed(Func<KnownAgent, bool>? which = null)
    {
        var names = Names(which);
        return names.Length < 2 ? string.Join("", names) : string.Join(", ", names[..^1]) + " or " + names[^1];
    }
}

/// <summary>One agent of <see cref="AgentNames.All"/>.</summary>
internal sealed class KnownAgent(string name, bool startable, bool promptsOnAsk, string[] blockingEvents, string[] rewritesInputIn, string? policyFeature = null)
{
    /// <summary>The name in <c>--agent</c>, in frames, in policies (<c>agents:</c>) and in the audit trail.</summary>
    internal string Name { get; } = name;

    /// <summary>Whether <c>hookline start</c> can launch it with hooks wired for one session.</summary>
    internal bool Startable { get; } = startable;

    /// <summary>
    /// The agent asks its own user when a hook answers ask (Claude Code, Cursor, Qwen Code when interactive). Without
    /// it an ask is a deny saying approval is needed, unless the policy routes it to a person (approvals).
    /// </summary>
    internal bool PromptsOnAsk { get; } = promptsOnAsk;

    /// <summary>
    /// Whether its kebab-case <paramref name="hookEvent"/> can block the agent: the sidecar waits for a decision on it,
    /// and the hook's fail mode closed denies it when the sidecar fails.
    /// </summary>
    internal bool IsBlocking(string hookEvent) => Array.IndexOf(blockingEvents, hookEvent) >= 0;

    /// <summary>Whether it runs the tool with a rewritten input (<c>set:</c>) in the canonical <paramref name="hookEventName"/>.</summary>
    internal bool RewritesInputIn(string hookEventName) => Array.IndexOf(rewritesInputIn, hookEventName) >= 0;

    /// <summary>
    /// The policy feature a document needs when its <c>agents:</c> names this agent; null for the agents every sidecar
    /// with feature lists knows. A sidecar older than the agent refuses such a snapshot instead of misreading the rule.
    /// </summary>
    internal string? PolicyFeature { get; } = policyFeature;
}
