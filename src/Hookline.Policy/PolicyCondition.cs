using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Runners;
using Hookline.Policy.Internal;

namespace Hookline.Policy;

/// <summary>The kinds of <see cref="PolicyCondition"/>.</summary>
public enum ConditionKind
{
    Field,
    All,
    Any,
    Not,
}

/// <summary>A declarative condition (<c>when</c>): a field test, or all/any/not over children.</summary>
public sealed class PolicyCondition
{
    internal PolicyCondition(ConditionKind kind, string? field, string? op, IReadOnlyList<string> values, IReadOnlyList<PolicyCondition> children, ConditionEvaluator evaluator)
    {
        Kind = kind;
        Field = field;
        Operator = op;
        Values = values;
        Children = children;
        Evaluator = evaluator;
    }

    public ConditionKind Kind { get; }

    /// <summary>For <see cref="ConditionKind.Field"/>: the field path, e.g. <c>tool_input.command</c>.</summary>
    public string? Field { get; }

    /// <summary>For <see cref="ConditionKind.Field"/>: equals, prefix, glob, regex, one_of, lt, le, gt, ge or exists.</summary>
    public string? Operator { get; }

    /// <summary>The operand(s) as written.</summary>
    public IReadOnlyList<string> Values { get; }

    public IReadOnlyList<PolicyCondition> Children { get; }

    internal ConditionEvaluator Evaluator { get; }
}
