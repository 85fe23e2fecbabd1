using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Runners;

namespace Hookline.Policy.Internal.Matching;

/// <summary>A rule ready for evaluation: patterns, conditions and the reason code its decisions carry.</summary>
internal sealed class CompiledRule
{
    public CompiledRule(PolicyRule rule, int order)
    {
        Rule = rule;
        Order = order;
        Id = rule.Id;
        Effect = rule.Effect;
        Match = rule.MatchPatterns;
        Unless = rule.UnlessPatterns;
        When = rule.When?.Evaluator;
        Agents = rule.Agents.Count == 0 ? null : rule.Agents.ToArray();
        Rate = rule.Rate;
        ReasonCode = rule.Rate is not null ? ReasonCodes.RateLimit : When?.ReadsTaint == true ? ReasonCodes.Taint : ReasonCodes.Rule;
        Reason = rule.Reason ?? $"matched rule {rule.Id}";
        HasFileAccessPatterns = Match.Any(p => p.CoversFileAccess(write: true) || p.CoversFileAccess(write: false));
        AllowDecision = Effect == Effect.Allow ? new PolicyDecision(Effect.Allow, false, Reason, ReasonCode, [Id], null) : null;
    }

    /// <summary>An allow rule's decision when it alone allows an event, built once (the allow path allocates nothing).</summary>
    public PolicyDecision? AllowDecision { get; }

    public PolicyRule Rule { get; }
    public int Order { get; }
    public string Id { get; }
    public Effect Effect { get; }
    public RulePattern[] Match { get; }
    public RulePattern[] Unless { get; }
    public ConditionEvaluator? When { get; }
    public string[]? Agents { get; }
    public RateLimit? Rate { get; }
    public string ReasonCode { get; }
    public string Reason { get; }

    /// <summary>Has Read/Edit/Write path patterns, so Bash redirects are checked against it.</summary>
    public bool HasFileAccessPatterns { get; }

    public bool AppliesTo(string tool)
    {
        foreach (var pattern in Match)
        {
            if (pattern.AppliesTo(tool) || (tool == ToolNames.Bash && HasFileAccessPatterns) || (Effect != Effect.Allow && pattern.AppliesToUnknownMcpServer(tool)))
            {
                return true;
            }
        }

        return false;
    }

    public bool AppliesToAgent(string? agent)
    {
        if (Agents is null)
        {
            return true;
        }

        foreach (var a in Agents)
        {
            if (string.Equals(a, agent, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
