namespace Hookline.Core;

/// <summary>
/// The words the server, the sidecar, the CLI and the dashboard share about approvals (an ask answered by a person).
/// See docs/approvals.md.
/// </summary>
public static class ApprovalProtocol
{
    /// <summary>
    /// The stream capability of a sidecar that can hold a hook on a pending approval (announced on Open). A sidecar
    /// without it never gets VERDICT_PENDING: the server applies the approval's on_timeout at once.
    /// </summary>
    public const string SidecarCapability = "approval-1";

    /// <summary>Reason codes of decisions and resolutions.</summary>
    public const string PendingCode = "approval_pending";
    public const string ApprovedCode = "approval_approved";
    public const string DeniedCode = "approval_denied";
    public const string TimedOutCode = "approval_timed_out";
    public const string NotFoundCode = "approval_not_found";
    /// <summary>The sidecar cannot wait (an older sidecar, DecideOnce, a local decision with the server away).</summary>
    public const string UnsupportedCode = "approval_unsupported";
    /// <summary>The session already has as many pending approvals as the server allows.</summary>
    public const string LimitCode = "approval_limit";
    /// <summary>Allowed without asking again: the same subject was approved earlier in the session (remember: session).</summary>
    public const string RememberedCode = "approval_remembered";
    /// <summary>
    /// Not opened: redaction would hide part of the subject, and what it hides holds shell code (an expansion or
    /// substitution), so an approver could not see what they approve.
    /// </summary>
    public const string UnshowableCode = "approval_unshowable";

    /// <summary>Where an answer came from (the audit trail's <c>channel</c>).</summary>
    public const string ChannelDashboard = "dashboard";
    public const string ChannelCli = "cli";
    public const string ChannelApi = "api";
    public const string ChannelLink = "link";
    public const string ChannelTimeout = "timeout";

    /// <summary>Statuses of an approval.</summary>
    public const string StatusPending = "pending";
    public const string StatusApproved = "approved";
    public const string StatusDenied = "denied";
    public const string StatusTimedOut = "timed_out";

    /// <summary>The canonical hook event name of the audit row that records an answer (or a timeout).</summary>
    public const string AnswerEventName = "ApprovalAnswer";

    /// <summary>Approver entries of a rule's <c>by:</c>.</summary>
    public const string AnyApprover = Hookline.Policy.ApprovalSpec.AnyApprover;
    public const string UserPrefix = Hookline.Policy.ApprovalSpec.UserPrefix;
    public const string GroupPrefix = Hookline.Policy.ApprovalSpec.GroupPrefix;
}
