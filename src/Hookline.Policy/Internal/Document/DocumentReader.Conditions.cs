using System.Globalization;
using System.Text.RegularExpressions;
using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Runners;

namespace Hookline.Policy.Internal.Document;

/// <summary>The <c>when</c> conditions of a rule.</summary>
internal sealed partial class DocumentReader
{
    private PolicyCondition? ReadCondition(SourceNode node, int depth)
    {
        if (depth > MaxConditionDepth)
        {
            Error(node, "conditions nested too deeply");
            return null;
        }

        if (node is SequenceNode list)
        {
            // A bare list means all of them.
            var items = list.Items.Select(i => ReadCondition(i, depth + 1)).ToList();
            return items.Any(i => i is null) ? null : Combine(ConditionKind.All, items!);
        }

        if (node is not MappingNode map)
        {
            Error(node, "a condition must be a mapping such as {field: user, equals: alice}");
            return null;
        }

        foreach (var (kind, key) in new[] { (ConditionKind.All, "all"), (ConditionKind.Any, "any"), (ConditionKind.Not, "not") })
        {
            if (Find(map, key) is not { } child)
            {
                continue;
            }

            if (map.Entries.Count != 1)
            {
                Error(map, $"'{key}' must be the only key of its condition");
                return null;
            }

            if (kind == ConditionKind.Not)
            {
                var inner = ReadCondition(child, depth + 1);
                return inner is null ? null : new PolicyCondition(ConditionKind.Not, null, null, [], [inner], new NotCondition(inner.Evaluator));
            }

            if (child is not SequenceNode seq || seq.Items.Count == 0)
            {
                Error(child, $"'{key}' takes a non-empty list of conditions");
                return null;
            }

            var children = seq.Items.Select(i => ReadCondition(i, depth + 1)).ToList();
            return children.Any(c => c is null) ? null : Combine(kind, children!);
        }

        return ReadFieldCondition(map);
    }

    private static PolicyCondition Combine(ConditionKind kind, List<PolicyCondition> children)
    {
        var evaluators = children.Select(c => c.Evaluator).ToArray();
        ConditionEvaluator evaluator = kind == ConditionKind.All ? new AllCondition(evaluators) : new AnyCondition(evaluators);
        return new PolicyCondition(kind, null, null, [], children, evaluator);
    }

    private PolicyCondition? ReadFieldCondition(MappingNode map)
    {
        var fieldNode = Find(map, "field");
        if (fieldNode is null)
        {
            Error(map, "a condition needs 'field' (or all/any/not)");
            return null;
        }

        var ops = map.Entries.Where(e => e.Key.Value != "field").ToList();
        foreach (var entry in ops.Where(e => !Operators.ContainsKey(e.Key.Value)))
        {
            Error(entry.Key, $"unknown condition operator '{entry.Key.Value}' (expected one of: {string.Join(", ", Operators.Keys)})");
        }

        ops = ops.Where(e => Operators.ContainsKey(e.Key.Value)).ToList();
        if (ops.Count != 1)
        {
            if (ops.Count > 1)
            {
                Error(ops[1].Key, "a condition takes exactly one operator; combine several with all: [...]");
            }
            else if (map.Entries.Count == 1)
            {
                Error(map, "a condition needs an operator such as equals, prefix, glob, regex, one_of, lt, le, gt, ge or exists");
            }

            return null;
        }

        var fieldText = ReadString(fieldNode, "field");
        var field = fieldText is null ? null : FieldPath.TryParse(fieldText, out var fieldError) is { } f ? f : ErrorNull<FieldPath>(fieldNode, fieldError!);
        var (opName, valueNode) = (ops[0].Key.Value, ops[0].Value);
        var op = Operators[opName];
        string[]? values = null;
        Regex? regex = null;
        switch (op)
        {
            case FieldOperator.OneOf:
                if (valueNode is SequenceNode seq && seq.Items.Count > 0 && seq.Items.All(i => i is ScalarNode { IsNull: false }))
                {
                    values = seq.Items.Cast<ScalarNode>().Select(i => i.Value).ToArray();
                }
                else
                {
                    Error(valueNode, "'one_of' takes a non-empty list of values");
                }

                break;
            case FieldOperator.Lt or FieldOperator.Le or FieldOperator.Gt or FieldOperator.Ge:
                if (valueNode is ScalarNode num && double.TryParse(num.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    values = [num.Value];
                }
                else
                {
                    Error(valueNode, $"'{opName}' takes a number");
                }

                break;
            case FieldOperator.Exists:
                if (valueNode is ScalarNode { Quoted: false, Value: "true" or "false" } b)
                {
                    values = [b.Value];
                }
                else
                {
                    Error(valueNode, "'exists' takes true or false");
                }

                break;
            default:
                if (valueNode is ScalarNode { IsNull: false } scalar)
                {
                    values = [scalar.Value];
                    regex = op switch
                    {
                        FieldOperator.Regex => CompileRegex(scalar.Value, valueNode),
                        FieldOperator.Glob => CompileRegex("^" + PathGlob.Translate(scalar.Value) + "$", valueNode),
                        _ => null,
                    };
                    if (op is FieldOperator.Regex or FieldOperator.Glob && regex is null)
                    {
                        values = null;
                    }
                }
                else
                {
                    Error(valueNode, $"'{opName}' takes a single value");
                }

                break;
        }

        if (field is null || values is null)
        {
            return null;
        }

        return new PolicyCondition(ConditionKind.Field, field.Text, opName, values, [], new FieldCondition(field, op, values, regex));
    }

    private Regex? CompileRegex(string pattern, SourceNode node)
    {
        try
        {
            // NonBacktracking: matching time is linear in the input, so no pattern can hang the engine.
            return new Regex(pattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, RegexTimeout);
        }
        catch (ArgumentException ex)
        {
            Error(node, $"invalid regex '{pattern}': {ex.Message}");
            return null;
        }
        catch (NotSupportedException ex)
        {
            Error(node, $"regex '{pattern}' is not supported by the non-backtracking engine: {ex.Message}");
            return null;
        }
    }
}
