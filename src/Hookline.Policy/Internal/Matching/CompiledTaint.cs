using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Runners;

namespace Hookline.Policy.Internal.Matching;

/// <summary>A taint source, matched like a deny rule's patterns.</summary>
internal sealed class CompiledTaint
{
    private readonly CompiledRule _matcher;

    public CompiledTaint(TaintRule taint)
    {
        Label = taint.Label;
        var rule = new PolicyRule("taint:" + taint.Label, Effect.Deny, taint.On, [], null, [], null, null, 0, 0, taint.Patterns, []);
        _matcher = new CompiledRule(rule, -1);
    }

    public string Label { get; }

    public bool Matches(EventSubject subject, EvaluationContext context) =>
        _matcher.AppliesTo(subject.MatchKey) && Evaluator.MatchesLikeDeny(_matcher, subject);
}
