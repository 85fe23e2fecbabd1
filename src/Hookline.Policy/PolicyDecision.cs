namespace Hookline.Policy;

/// <summary>The outcome of evaluating one event. Immutable.</summary>
public sealed class PolicyDecision
{
    /// <summary>
    /// The most rule ids a decision names (the first that decided it): the audit trail stores them comma-joined under
    /// an index PostgreSQL keeps within about 2.7 KB, and the server refuses a sidecar's report naming more.
    /// </summary>
    public const int MaxRuleIds = 32;

    public PolicyDecision(Effect effect, bool isDefault, string? reason, string reasonCode, IReadOnlyList<string> ruleIds, string? matched)
    {
        Effect = effect;
        IsDefault = isDefault;
        Reason = reason;
        ReasonCode = reasonCode;
        RuleIds = ruleIds.Count > MaxRuleIds ? [.. ruleIds.Take(MaxRuleIds)] : ruleIds;
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

    /// <summary>
    /// Set only for an ask a person answers wherever they are (docs/approvals.md): what every matching ask rule with
    /// <c>approval:</c> (and the document's <c>approvals:</c> defaults for a plain ask it routes to approvals for this
    /// agent) accepts at once. Null for an ask the agent's own prompt answers, and for allow and deny.
    /// </summary>
    public ApprovalSpec? Approval { get; private init; }

    /// <summary>The same decision, answered by a person as <paramref name="approval"/> says.</summary>
    internal PolicyDecision WithApproval(ApprovalSpec approval) => new(Effect, IsDefault, Reason, ReasonCode, RuleIds, Matched) { Approval = approval };

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
    /// <summary>A path whose real target cannot be known statically (<c>/proc/PID/...</c>, <c>/dev/fd/N</c>, an unknown home), where a file rule applies.</summary>
    public const string OpaquePath = "opaque_path";
    public const string UnparsableUrl = "unparsable_url";
    public const string RateLimit = "rate_limit";
    public const string Taint = "taint";
    public const string Escalation = "escalation";

    /// <summary>The command runs code given inline or on stdin (python -c, perl -e, ...) that no allow rule names exactly.</summary>
    public const string OpaqueCode = "opaque_code";

    /// <summary>An MCP tool of a server the agent did not name (Cursor) met a deny rule about some server: ask, not deny.</summary>
    public const string UnknownMcpServer = "unknown_mcp_server";
    /// <summary>A shell runs a program the engine cannot see: a script file, the output of a command, a variable.</summary>
    public const string OpaqueProgram = "opaque_program";

    /// <summary>A download is run as a program (<c>curl URL | sh</c>, <c>bash &lt;(curl URL)</c>).</summary>
    public const string DownloadToShell = "download_to_shell";

    /// <summary>Configuration that changes which program runs (<c>GIT_EXTERNAL_DIFF</c>, <c>git -c core.pager=...</c>, <c>LD_PRELOAD</c>).</summary>
    public const string ChangesWhatRuns = "changes_what_runs";

    /// <summary>A deny or ask pattern matches from a later word of a command, which may run it (an unknown runner).</summary>
    public const string NestedCommand = "nested_command";

    /// <summary>A sub-command holds a word only known at run time, and a deny or ask rule could then match it.</summary>
    public const string UnresolvedWord = "unresolved_word";

    /// <summary>A protected path may be touched in a way the engine cannot see (a glob, an unknown command's argument, a search above it).</summary>
    public const string ProtectedArgument = "protected_argument";

    /// <summary>Allow rules matched every sub-command, but not every file it writes or reads, or an option that runs another program.</summary>
    public const string AllowIncomplete = "allow_incomplete";
}
