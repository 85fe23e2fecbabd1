using Google.Protobuf.WellKnownTypes;
using Hookline.Contracts.V1;
using Hookline.Core;

namespace Hookline.Server.Internal.Approvals;

/// <summary>
/// What the decision path says about an approval: pending, its on_timeout when nobody can (or did) answer, an
/// earlier approval remembered, and the resolution a waiting sidecar gets. Never allow unless a person approved.
/// </summary>
internal static class ApprovalDecisions
{
    /// <summary>Whether the policy's decision asks for a person's answer.</summary>
    public static bool NeedsApproval(Decision decision) => decision.Verdict == Verdict.Ask && decision.ApprovalRequired is not null;

    /// <summary>The approval's on_timeout: ask stays ask (the agent's own prompt where it has one); anything else is deny.</summary>
    public static Verdict OnTimeout(Verdict onTimeout) => onTimeout == Verdict.Ask ? Verdict.Ask : Verdict.Deny;

    public static Verdict OnTimeout(string onTimeout) => onTimeout == Names.Of(Verdict.Ask) ? Verdict.Ask : Verdict.Deny;

    /// <summary>"group:sre, user:alice" (or any approver when the rule names nobody).</summary>
    public static string Who(IEnumerable<string> approvers)
    {
        var names = string.Join(", ", approvers);
        return names.Length == 0 ? ApprovalProtocol.AnyApprover : names;
    }

    /// <summary>Nobody can answer (this sidecar cannot wait, too many pending): the approval's on_timeout, at once.</summary>
    public static void ApplyOnTimeout(Decision decision, string reasonCode, string why)
    {
        var requirement = decision.ApprovalRequired;
        decision.Verdict = OnTimeout(requirement.OnTimeout);
        decision.ReasonCode = reasonCode;
        decision.Reason = $"approval by {Who(requirement.Approvers)} is needed: {why}";
    }

    /// <summary>The same subject was approved earlier in the session (remember: session): allowed without asking again.</summary>
    public static void ApplyRemembered(Decision decision)
    {
        decision.Verdict = Verdict.Allow;
        decision.ReasonCode = ApprovalProtocol.RememberedCode;
        decision.Reason = "approved earlier in this session";
    }

    /// <summary>The sidecar holds the hook until <paramref name="approval"/> is resolved or expires.</summary>
    public static void ApplyPending(Decision decision, ApprovalView approval)
    {
        decision.Verdict = Verdict.Pending;
        decision.ReasonCode = ApprovalProtocol.PendingCode;
        decision.Reason = "waiting for approval by " + Who(approval.Approvers);
        decision.Approval = new ApprovalPending
        {
            ApprovalId = approval.Id,
            ExpiresAt = Timestamp.FromDateTimeOffset(approval.ExpiresAt),
            OnTimeout = OnTimeout(approval.OnTimeout),
            RuleId = approval.RuleId,
            Approvers = { approval.Approvers },
        };
    }

    /// <summary>What a waiting sidecar gets for a resolved approval (a pending one past its deadline counts as timed out).</summary>
    public static ApprovalResolved Resolved(ApprovalView approval, ulong policyEpoch)
    {
        var resolved = new ApprovalResolved
        {
            ApprovalId = approval.Id,
            AnsweredBy = approval.AnsweredBy ?? "",
            Channel = approval.Channel ?? "",
            PolicyEpoch = policyEpoch,
            EventId = approval.EventId,
        };
        switch (approval.Status)
        {
            case ApprovalProtocol.StatusApproved:
                resolved.Verdict = Verdict.Allow;
                resolved.ReasonCode = ApprovalProtocol.ApprovedCode;
                resolved.Reason = Because("approved by " + approval.AnsweredBy, approval.Reason);
                break;
            case ApprovalProtocol.StatusDenied:
                resolved.Verdict = Verdict.Deny;
                resolved.ReasonCode = ApprovalProtocol.DeniedCode;
                resolved.Reason = Because("denied by " + approval.AnsweredBy, approval.Reason);
                break;
            default:
                resolved.Verdict = OnTimeout(approval.OnTimeout);
                resolved.ReasonCode = ApprovalProtocol.TimedOutCode;
                resolved.Reason = $"nobody of {Who(approval.Approvers)} answered the approval in time";
                resolved.TimedOut = true;
                resolved.Channel = ApprovalProtocol.ChannelTimeout;
                break;
        }
        return resolved;
    }

    /// <summary>An approval that is not this stream's to wait on, or does not exist: deny.</summary>
    public static ApprovalResolved NotFound(string approvalId, string eventId, ulong policyEpoch) => new()
    {
        ApprovalId = approvalId,
        EventId = eventId,
        Verdict = Verdict.Deny,
        ReasonCode = ApprovalProtocol.NotFoundCode,
        Reason = "no such approval for this session",
        PolicyEpoch = policyEpoch,
    };

    private static string Because(string what, string? reason) => string.IsNullOrWhiteSpace(reason) ? what : what + ": " + reason;
}
