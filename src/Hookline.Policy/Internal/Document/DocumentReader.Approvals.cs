using Hookline.Shared;

namespace Hookline.Policy.Internal.Document;

/// <summary>A rule's <c>approval:</c> and the document's <c>approvals:</c> (docs/approvals.md).</summary>
internal sealed partial class DocumentReader
{
    private static readonly string[] ApprovalKeys = ["by", "timeout", "on_timeout", "remember", "self_approve"];
    private static readonly string[] ApprovalsKeys = ["plain_asks", .. ApprovalKeys];
    private const int MaxApproverNameLength = 256;

    /// <summary><c>approval: {by, timeout, on_timeout, remember, self_approve}</c> of an ask rule; keys left out take <see cref="ApprovalSpec.Defaults"/>.</summary>
    private ApprovalSpec? ReadRuleApproval(SourceNode node, Effect? effect, string? ruleId)
    {
        RequireFeature(PolicyFeatures.Approvals);
        if (effect is not null and not Effect.Ask)
        {
            Error(node, $"'approval' sends an ask to a person, so only an ask rule may have it (this rule's effect is {effect.Value.ToString().ToLowerInvariant()})");
        }

        if (node is not MappingNode map)
        {
            return ErrorNull<ApprovalSpec>(node, "'approval' must be a mapping such as {by: [group:sre], timeout: 120s, on_timeout: deny, remember: once}");
        }

        CheckKeys(map, ApprovalKeys, "approval");
        return ReadApprovalFields(map, ruleId ?? "");
    }

    /// <summary>The top-level <c>approvals: {plain_asks, by, timeout, on_timeout, remember, self_approve}</c>.</summary>
    private PolicyApprovals ReadApprovals(SourceNode node)
    {
        RequireFeature(PolicyFeatures.Approvals);
        if (node is not MappingNode map)
        {
            Error(node, "'approvals' must be a mapping such as {plain_asks: auto, by: [any-approver], timeout: 60s}");
            return PolicyApprovals.None;
        }

        CheckKeys(map, ApprovalsKeys, "approvals");
        var perAgent = new Dictionary<string, PlainAskRoute>(StringComparer.OrdinalIgnoreCase);
        var route = Find(map, "plain_asks") is { } routeNode ? ReadPlainAsks(routeNode, perAgent) : PlainAskRoute.Prompt;
        return new PolicyApprovals(route, perAgent, ReadApprovalFields(map, ""), isSet: true) { Line = node.Line, Column = node.Column };
    }

    private PlainAskRoute ReadPlainAsks(SourceNode node, Dictionary<string, PlainAskRoute> perAgent)
    {
        if (node is not MappingNode map)
        {
            return ReadEnum(node, PlainAskRoute.Prompt, ("prompt", PlainAskRoute.Prompt), ("approval", PlainAskRoute.Approval), ("auto", PlainAskRoute.Auto));
        }

        var fallback = PlainAskRoute.Prompt;
        foreach (var (key, value) in map.Entries)
        {
            var agentRoute = ReadEnum(value, PlainAskRoute.Prompt, ("prompt", PlainAskRoute.Prompt), ("approval", PlainAskRoute.Approval));
            if (key.Value == "default")
            {
                fallback = agentRoute;
            }
            else if (AgentNames.Find(key.Value) is null)
            {
                Error(key, $"unknown agent '{key.Value}' in 'plain_asks' (expected one of: {string.Join(", ", AgentNames.Names())}, or default)");
            }
            else
            {
                perAgent[key.Value] = agentRoute; // a key written twice is already an error of the reader
            }
        }

        return fallback;
    }

    private ApprovalSpec ReadApprovalFields(MappingNode map, string ruleId)
    {
        var defaults = ApprovalSpec.Defaults;
        var by = Find(map, "by") is { } byNode ? ReadApprovers(byNode) : defaults.By;
        var timeout = Find(map, "timeout") is { } timeoutNode ? ReadApprovalTimeout(timeoutNode) : defaults.Timeout;
        var onTimeout = defaults.OnTimeout;
        if (Find(map, "on_timeout") is { } onTimeoutNode)
        {
            onTimeout = onTimeoutNode is ScalarNode { Value: "allow" }
                ? ErrorValue(onTimeoutNode, "on_timeout cannot be allow: an approval nobody gave never allows (use deny or ask)", defaults.OnTimeout)
                : ReadEnum(onTimeoutNode, defaults.OnTimeout, ("deny", Effect.Deny), ("ask", Effect.Ask));
        }

        var remember = ReadEnum(Find(map, "remember"), defaults.RememberSession, ("once", false), ("session", true));
        var selfApprove = Find(map, "self_approve") is { } selfNode ? ReadBool(selfNode) : defaults.SelfApprove;
        return new ApprovalSpec(by, timeout, onTimeout, remember, selfApprove, ruleId);
    }

    private IReadOnlyList<string> ReadApprovers(SourceNode node)
    {
        var items = node switch
        {
            ScalarNode { IsNull: false } s => [s],
            SequenceNode seq => seq.Items,
            _ => null,
        };
        if (items is null || items.Count == 0)
        {
            Error(node, "'by' must name at least one approver: user:NAME, group:NAME or any-approver");
            return ApprovalSpec.Defaults.By;
        }

        if (items.Count > ApprovalSpec.MaxApprovers)
        {
            Error(node, $"'by' lists {items.Count} approvers; at most {ApprovalSpec.MaxApprovers} (name a group instead)");
            return ApprovalSpec.Defaults.By;
        }

        var approvers = new List<string>(items.Count);
        foreach (var item in items)
        {
            if (ApproverProblem(item) is { } problem)
            {
                Error(item, problem);
            }
            else if (approvers.Contains(((ScalarNode)item).Value, StringComparer.Ordinal))
            {
                Error(item, $"approver '{((ScalarNode)item).Value}' is listed twice");
            }
            else
            {
                approvers.Add(((ScalarNode)item).Value);
            }
        }

        return approvers;
    }

    /// <summary>Why a <c>by:</c> entry is not <c>user:NAME</c>, <c>group:NAME</c> or <c>any-approver</c>; null when it is.</summary>
    private static string? ApproverProblem(SourceNode item)
    {
        const string Expected = "user:NAME, group:NAME or any-approver";
        if (item is not ScalarNode { IsNull: false } scalar)
        {
            return $"each 'by' entry must be {Expected}";
        }

        var text = scalar.Value;
        if (text == ApprovalSpec.AnyApprover)
        {
            return null;
        }

        var prefix = text.StartsWith(ApprovalSpec.UserPrefix, StringComparison.Ordinal) ? ApprovalSpec.UserPrefix
            : text.StartsWith(ApprovalSpec.GroupPrefix, StringComparison.Ordinal) ? ApprovalSpec.GroupPrefix
            : null;
        if (prefix is null)
        {
            return $"unknown approver '{Printable(text)}' (expected {Expected})";
        }

        var name = text.AsSpan(prefix.Length);
        if (name.IsEmpty || name.IsWhiteSpace())
        {
            return $"approver '{text}' has an empty name (expected {Expected})";
        }

        if (name.Length > MaxApproverNameLength)
        {
            return $"approver name longer than {MaxApproverNameLength} characters";
        }

        foreach (var c in name)
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029' or '\u200e' or '\u200f' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069'))
            {
                return $"approver '{Printable(text)}' has a control or direction character in its name";
            }
        }

        return null;
    }

    /// <summary>The text with control characters shown as \uXXXX, for an error message.</summary>
    private static string Printable(string text)
    {
        var cut = text.Length > 80 ? text[..80] + "..." : text;
        return string.Concat(cut.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }

    private TimeSpan ReadApprovalTimeout(SourceNode node)
    {
        var fallback = ApprovalSpec.Defaults.Timeout;
        if (ReadDuration(node) is not { } value)
        {
            return fallback;
        }

        if (value < TimeSpan.FromSeconds(1) || value.TotalMilliseconds > AgentNames.MaxApprovalTimeoutMs)
        {
            Error(node, $"approval timeout must be from 1s to {AgentNames.MaxApprovalTimeoutMs / 1000}s " +
                $"(a hook waits at most {AgentNames.ApprovalWaitCapMs / 1000}s for a person, inside the {AgentNames.WrittenHookTimeoutMs / 1000}s hook timeout Hookline writes)");
            return fallback;
        }

        return value;
    }

    private bool ReadBool(SourceNode node) => ReadEnum(node, false, ("true", true), ("false", false));

    private T ErrorValue<T>(SourceNode node, string message, T fallback)
    {
        Error(node, message);
        return fallback;
    }
}
