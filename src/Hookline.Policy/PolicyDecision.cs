namespace Hookline.Policy;

/// <summary>The outcome of evaluating one event. Immutable.</summary>
public sealed class PolicyDecision
{
    public PolicyDecision(Effect effect, bool isDefault, string? reason, string reasonCode, IReadOnlyList<string> ruleIds, string? matched)
    {
        Effect = effect;
        IsDefault = isDefault;
        Reason = reason;
        ReasonCode = reasonCode;
        RuleIds = ruleIds;
        Matched = matched;
    }

    public Effect Effect { get; }

    /// <summary>No rule matched; the document default decided.</summary>
    public bool IsDefault { get; }

    /// <summary>The deciding rule's reason, or a generated one.</summary>
    public string? Reason { get; }

    /// <summary>Machine-readable cause; see <see cref="ReasonCodes"/>.</summary>
    public string ReasonCode { get; }

    /// <summary>Every rule with the deciding effect that matched.</summary>
    public IReadOnlyList<string> RuleIds { get; }

    /// <summary>The sub-command, normalised path or domain that matched the deciding rule.</summary>
    public string? Matched { get; }

    public override string ToString() =>
        $"{Effect} ({ReasonCode}{(RuleIds.Count > 0 ? ": " + string.Join(',', RuleIds) : "")}){(Reason is null ? "" : " " + Reason)}";
}

/// <summary>Values of <see cref="PolicyDecision.ReasonCode"/>.</summary>
public static class ReasonCodes
{
    public const string Rule = "rule";
    public const string Default = "default";
    public const string UnparsableCommand = "unparsable_command";
    public const string DynamicCommand = "dynamic_command";
    public const string DynamicRedirect = "dynamic_redirect";
    public const string UnparsableUrl = "unparsable_url";
    public const string RateLimit = "rate_limit";
    public const string Taint = "taint";
    public const string Escalation = "escalation";

    /// <summary>A protected path may be touched in a way the engine cannot see (a glob, an unknown command's argument, a search above it).</summary>
    public const string ProtectedArgument = "protected_argument";

    /// <summary>Allow rules matched every sub-command, but not every file it writes or reads, or an option that runs another program.</summary>
    public const string AllowIncomplete = "allow_incomplete";
}
