using System.Globalization;
using System.Text.RegularExpressions;

namespace Hookline.Policy.Internal.Matching;

/// <summary>A compiled condition. Immutable and thread-safe.</summary>
internal abstract class ConditionEvaluator
{
    public abstract bool Evaluate(EvaluationContext ctx);

    /// <summary>True when the condition reads the session's taint labels (so a decision it makes is reported as "taint").</summary>
    public abstract bool ReadsTaint { get; }
}

internal sealed class AllCondition(ConditionEvaluator[] children) : ConditionEvaluator
{
    public override bool Evaluate(EvaluationContext ctx)
    {
        foreach (var child in children)
        {
            if (!child.Evaluate(ctx))
            {
                return false;
            }
        }

        return true;
    }

    public override bool ReadsTaint => children.Any(c => c.ReadsTaint);
}

internal sealed class AnyCondition(ConditionEvaluator[] children) : ConditionEvaluator
{
    public override bool Evaluate(EvaluationContext ctx)
    {
        foreach (var child in children)
        {
            if (child.Evaluate(ctx))
            {
                return true;
            }
        }

        return false;
    }

    public override bool ReadsTaint => children.Any(c => c.ReadsTaint);
}

internal sealed class NotCondition(ConditionEvaluator child) : ConditionEvaluator
{
    public override bool Evaluate(EvaluationContext ctx) => !child.Evaluate(ctx);
    public override bool ReadsTaint => child.ReadsTaint;
}

internal enum FieldOperator
{
    Equals,
    Prefix,
    Glob,
    Regex,
    OneOf,
    Lt,
    Le,
    Gt,
    Ge,
    Exists,
}

/// <summary><c>{field: PATH, OP: VALUE}</c>. A missing field satisfies no operator except <c>exists: false</c>.</summary>
internal sealed class FieldCondition : ConditionEvaluator
{
    private readonly FieldPath _field;
    private readonly FieldOperator _op;
    private readonly string[] _values;
    private readonly double _number;
    private readonly Regex? _regex;

    public FieldCondition(FieldPath field, FieldOperator op, string[] values, Regex? regex)
    {
        _field = field;
        _op = op;
        _values = values;
        _regex = regex;
        if (op is FieldOperator.Lt or FieldOperator.Le or FieldOperator.Gt or FieldOperator.Ge)
        {
            _number = double.Parse(values[0], NumberStyles.Float, CultureInfo.InvariantCulture);
        }
    }

    public override bool ReadsTaint => _field.Source == FieldSource.Tainted;

    public override bool Evaluate(EvaluationContext ctx)
    {
        if (_field.Source == FieldSource.Tainted)
        {
            return EvaluateTaint(ctx.Taints);
        }

        var value = _field.Resolve(ctx);
        if (_op == FieldOperator.Exists)
        {
            return value.Exists == (_values[0] == "true");
        }

        if (!value.Exists)
        {
            return false;
        }

        var text = value.Text ?? (value.Number is { } n ? n.ToString(CultureInfo.InvariantCulture) : null);
        switch (_op)
        {
            case FieldOperator.Equals:
                return EqualsValue(value, text, _values[0]);
            case FieldOperator.OneOf:
                foreach (var candidate in _values)
                {
                    if (EqualsValue(value, text, candidate))
                    {
                        return true;
                    }
                }

                return false;
            case FieldOperator.Prefix:
                return text is not null && text.StartsWith(_values[0], StringComparison.Ordinal);
            case FieldOperator.Glob or FieldOperator.Regex:
                return text is not null && _regex!.IsMatch(text);
            default:
                var number = value.Number ?? (text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : double.NaN);
                return _op switch
                {
                    FieldOperator.Lt => number < _number,
                    FieldOperator.Le => number <= _number,
                    FieldOperator.Gt => number > _number,
                    _ => number >= _number,
                };
        }
    }

    private bool EvaluateTaint(IReadOnlySet<string>? taints)
    {
        var count = taints?.Count ?? 0;
        switch (_op)
        {
            case FieldOperator.Exists:
                return (count > 0) == (_values[0] == "true");
            case FieldOperator.Equals or FieldOperator.OneOf:
                foreach (var label in _values)
                {
                    if (taints is not null && taints.Contains(label))
                    {
                        return true;
                    }
                }

                return false;
            default:
                if (taints is null)
                {
                    return false;
                }

                foreach (var label in taints)
                {
                    if ((_op == FieldOperator.Prefix && label.StartsWith(_values[0], StringComparison.Ordinal)) || (_regex is not null && _regex.IsMatch(label)))
                    {
                        return true;
                    }
                }

                return false;
        }
    }

    private static bool EqualsValue(FieldValue value, string? text, string operand)
    {
        if (value.Number is { } n)
        {
            return double.TryParse(operand, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && n == d;
        }

        return text is not null && string.Equals(text, operand, StringComparison.Ordinal);
    }
}
