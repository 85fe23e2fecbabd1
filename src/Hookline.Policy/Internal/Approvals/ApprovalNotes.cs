using Hookline.Shared;

namespace Hookline.Policy.Internal.Approvals;

/// <summary>What <c>policy check</c> says about approvals that would not do what they seem to.</summary>
internal static class ApprovalNotes
{
    public static IEnumerable<PolicyError> For(PolicyDocument document, string source)
    {
        foreach (var rule in document.Rules)
        {
            if (rule.Approval is { OnTimeout: Effect.Ask } && WithoutPrompt(rule.Agents.Count == 0 ? null : rule.Agents) is { Length: > 0 } agents)
            {
                yield return new PolicyError(source, rule.Line, rule.Column, $"warning: rule {rule.Id}: on_timeout: ask {TimeoutBecomesDeny(agents)}");
            }
        }

        foreach (var note in DisjointApprovers(document, source))
        {
            yield return note;
        }

        var approvals = document.Approvals;
        if (!approvals.IsSet)
        {
            yield break;
        }

        var routed = AgentNames.Names(a => approvals.RoutesToApproval(a.Name));
        if (approvals.Defaults.OnTimeout == Effect.Ask && WithoutPrompt(routed) is { Length: > 0 } timeouts)
        {
            yield return new PolicyError(source, approvals.Line, approvals.Column, $"warning: approvals: on_timeout: ask {TimeoutBecomesDeny(timeouts)}");
        }

        foreach (var (agent, route) in approvals.PerAgent)
        {
            if (route == PlainAskRoute.Prompt && AgentNames.Find(agent) is { PromptsOnAsk: false })
            {
                yield return new PolicyError(source, approvals.Line, approvals.Column,
                    $"warning: plain_asks sends {agent}'s plain asks to its own prompt, and {agent} has none: they are denied saying approval is needed (write {agent}: approval, or auto)");
            }
        }

        if (routed.Length == 0 && !SameAsDefaults(approvals.Defaults))
        {
            yield return new PolicyError(source, approvals.Line, approvals.Column,
                "note: approvals: by, timeout, on_timeout, remember and self_approve apply to plain asks sent to approvals, and plain_asks sends none there " +
                "(write plain_asks: auto or approval); a rule's approval: does not take them");
        }
    }

    /// <summary>
    /// Two approval rules that can decide one call together (a tool in common, an agent in common) and name no approver
    /// in common: their combined approval (<see cref="ApprovalCombiner"/>) is by nobody, so on_timeout applies.
    /// </summary>
    private static IEnumerable<PolicyError> DisjointApprovers(PolicyDocument document, string source)
    {
        var rules = document.Rules.Where(r => r.Approval is not null).ToArray();
        for (var j = 1; j < rules.Length; j++)
        {
            for (var i = 0; i < j; i++)
            {
                var (first, second) = (rules[i], rules[j]);
                if (ApprovalCombiner.Approvers([first.Approval!, second.Approval!]) is [ApprovalSpec.Nobody]
                    && first.MatchPatterns.Any(a => second.MatchPatterns.Any(b => string.Equals(a.Tool, b.Tool, StringComparison.OrdinalIgnoreCase)))
                    && (first.Agents.Count == 0 || second.Agents.Count == 0 || first.Agents.Intersect(second.Agents, StringComparer.OrdinalIgnoreCase).Any()))
                {
                    yield return new PolicyError(source, second.Line, second.Column,
                        $"warning: rules {first.Id} and {second.Id} name no approver in common: when both match one call (a compound command, several files), " +
                        "nobody can answer and on_timeout applies");
                }
            }
        }
    }

    /// <summary>The agents among <paramref name="agents"/> (null: every agent) that cannot prompt their user.</summary>
    private static string[] WithoutPrompt(IReadOnlyCollection<string>? agents) =>
        AgentNames.Names(a => !a.PromptsOnAsk && (agents is null || agents.Contains(a.Name, StringComparer.OrdinalIgnoreCase)));

    private static string TimeoutBecomesDeny(string[] agents) =>
        $"reaches {string.Join(", ", agents)}, which {(agents.Length == 1 ? "has" : "have")} no prompt of {(agents.Length == 1 ? "its" : "their")} own: " +
        "there a timeout is a deny saying approval is needed";

    private static bool SameAsDefaults(ApprovalSpec spec)
    {
        var defaults = ApprovalSpec.Defaults;
        return spec.By.SequenceEqual(defaults.By, StringComparer.Ordinal) && spec with { By = defaults.By } == defaults;
    }
}
