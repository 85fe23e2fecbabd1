using System.Globalization;
using System.Text.RegularExpressions;
using Hookline.Policy.Internal.Matching;
using Hookline.Shared;

namespace Hookline.Policy.Internal.Document;

/// <summary>
/// Validates a source tree into a <see cref="PolicyDocument"/>. It keeps going after an error so that every error is
/// reported at once; any error refuses the whole document.
/// </summary>
internal sealed partial class DocumentReader
{
    private static readonly string[] TopLevelKeys = ["version", "default", "mode", "fail_mode", "budget_ms", "max_snapshot_age", "rules", "taints", "escalate", "opaque_code", "approvals"];
    private static readonly string[] RuleKeys = ["id", "effect", "match", "unless", "when", "rate", "reason", "agents", "set", "approval"];
    private static readonly Dictionary<string, FieldOperator> Operators = new(StringComparer.Ordinal)
    {
        ["equals"] = FieldOperator.Equals,
        ["prefix"] = FieldOperator.Prefix,
        ["glob"] = FieldOperator.Glob,
        ["regex"] = FieldOperator.Regex,
        ["one_of"] = FieldOperator.OneOf,
        ["lt"] = FieldOperator.Lt,
        ["le"] = FieldOperator.Le,
        ["lte"] = FieldOperator.Le,
        ["gt"] = FieldOperator.Gt,
        ["ge"] = FieldOperator.Ge,
        ["gte"] = FieldOperator.Ge,
        ["exists"] = FieldOperator.Exists,
    };

    private const int MaxConditionDepth = 16;
    private static readonly TimeSpan RegexTimeout = Regex.InfiniteMatchTimeout;

    private readonly string _source;
    private readonly List<PolicyError> _errors;
    private readonly HashSet<string> _features = new(StringComparer.Ordinal);

    private DocumentReader(string source, List<PolicyError> errors)
    {
        _source = source;
        _errors = errors;
    }

    public static PolicyDocument? Read(string text, string source, List<PolicyError> errors)
    {
        var trimmed = text.AsSpan().TrimStart();
        SourceNode? root;
        if (trimmed.Length > 0 && trimmed[0] is '{' or '[')
        {
            var jsonErrors = new List<PolicyError>();
            root = JsonSourceReader.Read(text, source, jsonErrors);
            if (root is null)
            {
                // It may be a YAML flow mapping ("{version: 1, ...}"); report JSON errors only if YAML fails too.
                var yamlErrors = new List<PolicyError>();
                root = YamlSourceReader.Read(text, source, yamlErrors);
                errors.AddRange(root is null ? jsonErrors : yamlErrors);
            }
            else
            {
                errors.AddRange(jsonErrors);
            }
        }
        else
        {
            root = YamlSourceReader.Read(text, source, errors);
        }

        if (errors.Count > 0)
        {
            return null;
        }

        if (root is null || (root is ScalarNode s && s.IsNull))
        {
            errors.Add(new PolicyError(source, 1, 1, "the policy document is empty"));
            return null;
        }

        return new DocumentReader(source, errors).ReadDocument(root, text);
    }

    private PolicyDocument? ReadDocument(SourceNode root, string text)
    {
        if (root is not MappingNode map)
        {
            Error(root, $"the policy must be a mapping, not a {root.KindName}");
            return null;
        }

        CheckKeys(map, TopLevelKeys, "top-level");
        var version = Find(map, "version");
        if (version is null)
        {
            Error(map, "missing 'version' (write version: 1)");
        }
        else if (version is not ScalarNode { Value: "1" })
        {
            Error(version, "unsupported version: only version 1 is known");
        }

        var @default = ReadEffect(Find(map, "default"), Effect.Allow);
        var mode = ReadEnum(Find(map, "mode"), PolicyMode.Enforce, ("enforce", PolicyMode.Enforce), ("observe", PolicyMode.Observe), ("disabled", PolicyMode.Disabled));
        var failModeNode = Find(map, "fail_mode");
        FailMode? failMode = failModeNode is null ? null : ReadEnum(failModeNode, FailMode.Closed, ("closed", FailMode.Closed), ("open", FailMode.Open));
        int? budget = Find(map, "budget_ms") is { } budgetNode ? ReadInt(budgetNode, 1, 60_000) : null;
        TimeSpan? maxAge = Find(map, "max_snapshot_age") is { } ageNode ? ReadDuration(ageNode) : null;
        var opaqueCodeNode = Find(map, "opaque_code");
        var opaqueCode = ReadEnum(opaqueCodeNode, Effect.Ask, ("ask", Effect.Ask), ("deny", Effect.Deny));
        if (opaqueCodeNode is not null)
        {
            RequireFeature(PolicyFeatures.OpaqueCode);
        }

        var rules = new List<PolicyRule>();
        if (Find(map, "rules") is { } rulesNode)
        {
            if (rulesNode is SequenceNode seq)
            {
                var ids = new Dictionary<string, PolicyRule>(StringComparer.Ordinal);
                foreach (var item in seq.Items)
                {
                    var rule = ReadRule(item);
                    if (rule is null)
                    {
                        continue;
                    }

                    if (ids.TryGetValue(rule.Id, out var first))
                    {
                        Error(rule.Line, rule.Column, $"duplicate rule id '{rule.Id}' (first defined at line {first.Line})");
                        continue;
                    }

                    ids[rule.Id] = rule;
                    rules.Add(rule);
                }
            }
            else if (!(rulesNode is ScalarNode { IsNull: true }))
            {
                Error(rulesNode, $"'rules' must be a list, not a {rulesNode.KindName}");
            }
        }

        var taints = Find(map, "taints") is { } taintsNode ? ReadTaints(taintsNode) : [];
        var escalate = Find(map, "escalate") is { } escalateNode ? ReadEscalation(escalateNode) : null;
        var approvals = Find(map, "approvals") is { } approvalsNode ? ReadApprovals(approvalsNode) : PolicyApprovals.None;

        if (_errors.Count > 0)
        {
            return null;
        }

        return new PolicyDocument(text, @default, mode, failMode, budget, maxAge, rules, taints, escalate, opaqueCode, [.. _features.Order(StringComparer.Ordinal)], approvals);
    }

    /// <summary>Records that the document uses syntax only engines with this feature honour (see <see cref="PolicyFeatures"/>).</summary>
    private void RequireFeature(string feature) => _features.Add(feature);

    private PolicyRule? ReadRule(SourceNode node)
    {
        if (node is not MappingNode map)
        {
            Error(node, $"a rule must be a mapping, not a {node.KindName}");
            return null;
        }

        var errorsBefore = _errors.Count;
        CheckKeys(map, RuleKeys, "rule");
        string? id = null;
        if (Find(map, "id") is not { } idNode)
        {
            Error(map, "rule is missing 'id'");
        }
        else if (ReadString(idNode, "id") is { } idText)
        {
            if (idText.Length == 0 || idText.Any(char.IsWhiteSpace))
            {
                Error(idNode, "rule id must be non-empty and contain no whitespace");
            }
            else if (idText.Length > PolicyRule.MaxIdLength || idText.Contains(',', StringComparison.Ordinal))
            {
                Error(idNode, $"rule id must be at most {PolicyRule.MaxIdLength} characters and contain no comma");
            }
            else
            {
                id = idText;
            }
        }

        Effect? effect = null;
        if (Find(map, "effect") is not { } effectNode)
        {
            Error(map, $"rule '{id}' is missing 'effect' (allow, ask or deny)");
        }
        else
        {
            effect = ReadEffect(effectNode, Effect.Allow);
        }

        var matchNode = Find(map, "match");
        if (matchNode is null)
        {
            Error(map, $"rule '{id}' is missing 'match'");
        }

        var (match, matchPatterns) = matchNode is null ? ([], []) : ReadPatterns(matchNode, "match", required: true);
        var (unless, unlessPatterns) = Find(map, "unless") is { } unlessNode ? ReadPatterns(unlessNode, "unless", required: false) : ([], []);
        var reason = Find(map, "reason") is { } reasonNode ? ReadString(reasonNode, "reason") : null;
        var agents = Find(map, "agents") is { } agentsNode ? ReadAgents(agentsNode) : [];
        var when = Find(map, "when") is { } whenNode ? ReadCondition(whenNode, 0) : null;
        var rate = Find(map, "rate") is { } rateNode ? ReadRate(rateNode) : null;
        var set = Find(map, "set") is { } setNode ? ReadSet(setNode, effect) : null;
        var approval = Find(map, "approval") is { } approvalNode ? ReadRuleApproval(approvalNode, effect, id) : null;

        if (_errors.Count > errorsBefore || id is null || effect is null)
        {
            return null;
        }

        return new PolicyRule(id, effect.Value, match, unless, reason, agents, when, rate, map.Line, map.Column, matchPatterns, unlessPatterns, set, approval);
    }

    private (IReadOnlyList<string> Texts, RulePattern[] Patterns) ReadPatterns(SourceNode node, string key, bool required)
    {
        var items = node switch
        {
            ScalarNode { IsNull: false } scalar => [scalar],
            SequenceNode seq => seq.Items,
            _ => null,
        };
        if (items is null)
        {
            Error(node, $"'{key}' must be a pattern or a list of patterns");
            return ([], []);
        }

        if (items.Count == 0 && required)
        {
            Error(node, $"'{key}' must not be empty");
        }

        var texts = new List<string>();
        var patterns = new List<RulePattern>();
        foreach (var item in items)
        {
            if (item is not ScalarNode { IsNull: false } scalar)
            {
                Error(item, $"each '{key}' entry must be a pattern string such as \"Bash(git push *)\"");
                continue;
            }

            var pattern = RulePattern.TryParse(scalar.Value, out var error);
            if (pattern is null)
            {
                Error(item, error ?? "invalid pattern");
                continue;
            }

            texts.Add(scalar.Value);
            patterns.Add(pattern);
        }

        return (texts, patterns.ToArray());
    }

    /// <summary>
    /// <c>set: {field: value, ...}</c>: tool input fields an allow rule rewrites. Values are scalars, kept as JSON text:
    /// quoted ones are strings, <c>true</c>/<c>false</c> booleans, numbers numbers, anything else a string.
    /// </summary>
    private List<KeyValuePair<string, string>>? ReadSet(SourceNode node, Effect? effect)
    {
        if (node is not MappingNode map || map.Entries.Count == 0)
        {
            return ErrorNull<List<KeyValuePair<string, string>>>(node, "'set' must be a non-empty mapping of tool input fields to values");
        }
        if (effect is not null and not Effect.Allow)
        {
            Error(node, "'set' rewrites the tool's input before it runs, so only an allow rule may have it");
        }
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in map.Entries)
        {
            if (key.Value.Length == 0 || !(char.IsAsciiLetter(key.Value[0]) || key.Value[0] == '_') || !key.Value.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                Error(key, $"'set' field '{key.Value}' must be a tool input field name (letters, digits, _)");
            }
            else if (value is not ScalarNode { IsNull: false } scalar)
            {
                Error(value, $"'set' value of '{key.Value}' must be a string, number or boolean");
            }
            else
            {
                fields.Add(new(key.Value, JsonLiteral(scalar)));
            }
        }
        return fields;
    }

    private static string JsonLiteral(ScalarNode scalar)
    {
        if (!scalar.Quoted)
        {
            if (scalar.Value is "true" or "false")
            {
                return scalar.Value;
            }
            if (long.TryParse(scalar.Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var integer))
            {
                return integer.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return System.Text.Json.JsonSerializer.Serialize(scalar.Value, PolicyJsonContext.Default.String);
    }

    private RateLimit? ReadRate(SourceNode node)
    {
        if (node is not MappingNode map)
        {
            Error(node, "'rate' must be a mapping such as {max: 20, per: 60s}");
            return null;
        }

        CheckKeys(map, ["max", "per"], "rate");
        var maxNode = Find(map, "max");
        var perNode = Find(map, "per");
        if (maxNode is null || perNode is null)
        {
            Error(map, "'rate' needs both 'max' and 'per'");
            return null;
        }

        var max = ReadInt(maxNode, 0, 1_000_000);
        var per = ReadDuration(perNode);
        return max is null || per is null ? null : new RateLimit(max.Value, per.Value);
    }

    private List<TaintRule> ReadTaints(SourceNode node)
    {
        var result = new List<TaintRule>();
        if (node is not SequenceNode seq)
        {
            Error(node, "'taints' must be a list such as [{label: secrets, on: [\"Read(**/.env)\"]}]");
            return result;
        }

        foreach (var item in seq.Items)
        {
            if (item is not MappingNode map)
            {
                Error(item, "a taint must be a mapping {label, on}");
                continue;
            }

            CheckKeys(map, ["label", "on"], "taint");
            var label = Find(map, "label") is { } labelNode ? ReadString(labelNode, "label") : ErrorNull<string>(map, "taint is missing 'label'");
            var on = Find(map, "on") is { } onNode ? ReadPatterns(onNode, "on", required: true) : (ErrorNull<IReadOnlyList<string>>(map, "taint is missing 'on'"), []);
            if (label is not null && on.Item1 is not null)
            {
                result.Add(new TaintRule(label, on.Item1, on.Item2));
            }
        }

        return result;
    }

    private EscalationRule? ReadEscalation(SourceNode node)
    {
        if (node is not MappingNode map)
        {
            Error(node, "'escalate' must be a mapping such as {after_denials: 3, effect: ask}");
            return null;
        }

        CheckKeys(map, ["after_denials", "effect", "within"], "escalate");
        var after = Find(map, "after_denials") is { } afterNode ? ReadInt(afterNode, 1, 1_000_000) : ErrorNull<int?>(map, "'escalate' needs 'after_denials'");
        var effect = Find(map, "effect") is { } effectNode ? ReadEffect(effectNode, Effect.Ask) : Effect.Ask;
        if (effect == Effect.Allow && Find(map, "effect") is { } allowNode)
        {
            Error(allowNode, "escalation effect must be ask or deny");
        }

        var within = Find(map, "within") is { } withinNode ? ReadDuration(withinNode) : null;
        return after is null ? null : new EscalationRule(after.Value, effect, within);
    }

    private List<string> ReadAgents(SourceNode node)
    {
        var items = node switch
        {
            ScalarNode { IsNull: false } s => [s],
            SequenceNode seq => seq.Items,
            _ => null,
        };
        if (items is null)
        {
            Error(node, "'agents' must be an agent name or a list of them");
            return [];
        }

        var result = new List<string>();
        foreach (var item in items)
        {
            if (item is ScalarNode { IsNull: false } s && AgentNames.Find(s.Value) is { } agent)
            {
                result.Add(s.Value);
                if (agent.PolicyFeature is { } feature)
                {
                    RequireFeature(feature);
                }
            }
            else
            {
                Error(item, $"unknown agent (expected one of: {string.Join(", ", AgentNames.Names())})");
            }
        }

        return result;
    }

    private Effect ReadEffect(SourceNode? node, Effect fallback) =>
        node is null ? fallback : ReadEnum(node, fallback, ("allow", Effect.Allow), ("ask", Effect.Ask), ("deny", Effect.Deny));

    private T ReadEnum<T>(SourceNode? node, T fallback, params (string Name, T Value)[] options)
    {
        if (node is null)
        {
            return fallback;
        }

        if (node is ScalarNode scalar)
        {
            foreach (var (name, value) in options)
            {
                if (scalar.Value == name)
                {
                    return value;
                }
            }
        }

        Error(node, $"expected one of: {string.Join(", ", options.Select(o => o.Name))}");
        return fallback;
    }

    private int? ReadInt(SourceNode node, int min, int max)
    {
        if (node is ScalarNode { Quoted: false } s && int.TryParse(s.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        Error(node, $"expected a whole number from {min} to {max}");
        return null;
    }

    private TimeSpan? ReadDuration(SourceNode node)
    {
        if (node is ScalarNode s && DurationParser.TryParse(s.Value, out var value))
        {
            return value;
        }

        Error(node, "expected a duration such as 500ms, 60s, 15m, 24h or 30d");
        return null;
    }

    private string? ReadString(SourceNode node, string key)
    {
        if (node is ScalarNode { IsNull: false } s)
        {
            return s.Value;
        }

        Error(node, $"'{key}' must be a string");
        return null;
    }

    private void CheckKeys(MappingNode map, string[] allowed, string what)
    {
        foreach (var entry in map.Entries)
        {
            if (!allowed.Contains(entry.Key.Value))
            {
                Error(entry.Key, $"unknown {what} key '{entry.Key.Value}' (allowed: {string.Join(", ", allowed)})");
            }
        }
    }

    private static SourceNode? Find(MappingNode map, string key)
    {
        foreach (var entry in map.Entries)
        {
            if (entry.Key.Value == key)
            {
                return entry.Value;
            }
        }

        return null;
    }

    private T? ErrorNull<T>(SourceNode node, string message)
    {
        Error(node, message);
        return default;
    }

    private void Error(SourceNode node, string message) => Error(node.Line, node.Column, message);

    private void Error(int line, int column, string message) => _errors.Add(new PolicyError(_source, line, column, message));
}
