using Hookline.Shared;

namespace Hookline.Policy;

/// <summary>Where a plain ask (an ask rule without <c>approval:</c>, or the engine's own asks) goes.</summary>
public enum PlainAskRoute
{
    /// <summary>The agent's own prompt, where it has one (today's behaviour); else a deny saying approval is needed.</summary>
    Prompt,

    /// <summary>An approval with the document's defaults.</summary>
    Approval,

    /// <summary>The agent's own prompt where it has one, approvals where it does not.</summary>
    Auto,
}

/// <summary>The document's top-level <c>approvals:</c>: where plain asks go, per agent, and the approval they get.</summary>
public sealed class PolicyApprovals
{
    internal PolicyApprovals(PlainAskRoute plainAsks, IReadOnlyDictionary<string, PlainAskRoute> perAgent, ApprovalSpec defaults, bool isSet)
    {
        PlainAsks = plainAsks;
        PerAgent = perAgent;
        Defaults = defaults;
        IsSet = isSet;
    }

    /// <summary>What a document without <c>approvals:</c> means: every plain ask goes to the agent's prompt.</summary>
    public static PolicyApprovals None { get; } = new(PlainAskRoute.Prompt, new Dictionary<string, PlainAskRoute>(), ApprovalSpec.Defaults, false);

    /// <summary>The route of agents <see cref="PerAgent"/> does not name (<c>plain_asks: X</c>, or the map's <c>default</c>).</summary>
    public PlainAskRoute PlainAsks { get; }

    /// <summary>The routes <c>plain_asks: {agent: prompt|approval}</c> names.</summary>
    public IReadOnlyDictionary<string, PlainAskRoute> PerAgent { get; }

    /// <summary>The approval plain asks get (<see cref="ApprovalSpec.RuleId"/> empty).</summary>
    public ApprovalSpec Defaults { get; }

    /// <summary>The document has <c>approvals:</c>.</summary>
    public bool IsSet { get; }

    /// <summary>Where <c>approvals:</c> starts in the document (1-based), for notes; 0 when it is not set.</summary>
    internal int Line { get; init; }

    internal int Column { get; init; }

    /// <summary>Whether a plain ask of <paramref name="agent"/> goes to approvals (an unknown agent: as if it had a prompt).</summary>
    public bool RoutesToApproval(string? agent)
    {
        var route = agent is not null && PerAgent.TryGetValue(agent, out var named) ? named : PlainAsks;
        return route switch
        {
            PlainAskRoute.Approval => true,
            PlainAskRoute.Auto => agent is not null && AgentNames.Find(agent.ToLowerInvariant()) is { PromptsOnAsk: false },
            _ => false,
        };
    }
}
