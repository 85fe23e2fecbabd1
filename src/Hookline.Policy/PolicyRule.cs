using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal;

namespace Hookline.Policy;

/// <summary>One validated rule of a policy document.</summary>
public sealed class PolicyRule
{
    /// <summary>The longest rule id a document may give (ids are stored comma-joined: no comma, no whitespace).</summary>
    public const int MaxIdLength = 80;

    internal PolicyRule(string id, Effect effect, IReadOnlyList<string> match, IReadOnlyList<string> unless, string? reason,
        IReadOnlyList<string> agents, PolicyCondition? when, RateLimit? rate, int line, int column,
        RulePattern[] matchPatterns, RulePattern[] unlessPatterns, IReadOnlyList<KeyValuePair<string, string>>? set = null, ApprovalSpec? approval = null)
    {
        Set = set ?? [];
        Approval = approval;
        Id = id;
        Effect = effect;
        Match = match;
        Unless = unless;
        Reason = reason;
        Agents = agents;
        When = when;
        Rate = rate;
        Line = line;
        Column = column;
        MatchPatterns = matchPatterns;
        UnlessPatterns = unlessPatterns;
    }

    public string Id { get; }
    public Effect Effect { get; }

    /// <summary>Patterns in Claude Code permission-rule syntax; the rule matches when any does.</summary>
    public IReadOnlyList<string> Match { get; }

    /// <summary>Exceptions: a subject matched by any of these is not matched by the rule.</summary>
    public IReadOnlyList<string> Unless { get; }

    public string? Reason { get; }

    /// <summary>Agents the rule applies to; empty means all.</summary>
    public IReadOnlyList<string> Agents { get; }

    /// <summary>Extra conditions, or null.</summary>
    public PolicyCondition? When { get; }

    /// <summary>When set, the rule applies only once more than <see cref="RateLimit.Max"/> matching calls fell in the window.</summary>
    public RateLimit? Rate { get; }

    /// <summary>
    /// <c>set:</c> of an allow rule: tool input fields to rewrite before the tool runs, each with its new value as JSON
    /// text (a string, number or boolean). Empty when the rule rewrites nothing.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Set { get; }

    /// <summary><c>approval:</c> of an ask rule: a person named by it answers the ask, wherever they are; null for a plain ask.</summary>
    public ApprovalSpec? Approval { get; }

    /// <summary>Where the rule starts in the document (1-based).</summary>
    public int Line { get; }

    public int Column { get; }

    internal RulePattern[] MatchPatterns { get; }
    internal RulePattern[] UnlessPatterns { get; }
}

/// <summary><c>rate: {max: N, per: 60s}</c>.</summary>
public sealed record RateLimit(int Max, TimeSpan Per);

/// <summary><c>taints: [{label, on: [...]}]</c>: an allowed event matching <see cref="On"/> marks the session with <see cref="Label"/>.</summary>
public sealed class TaintRule
{
    internal TaintRule(string label, IReadOnlyList<string> on, RulePattern[] patterns)
    {
        Label = label;
        On = on;
        Patterns = patterns;
    }

    public string Label { get; }
    public IReadOnlyList<string> On { get; }
    internal RulePattern[] Patterns { get; }
}

/// <summary><c>escalate: {after_denials: N, effect: ask, within: 10m}</c>.</summary>
public sealed record EscalationRule(int AfterDenials, Effect Effect, TimeSpan? Within);
