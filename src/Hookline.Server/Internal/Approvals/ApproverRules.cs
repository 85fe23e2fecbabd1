using Hookline.Core;

namespace Hookline.Server.Internal.Approvals;

/// <summary>Who may answer an approval: pure, so every channel applies the same rule.</summary>
internal static class ApproverRules
{
    /// <summary>
    /// Null when <paramref name="approver"/> may answer <paramref name="approval"/>, else why not. Without authentication
    /// there are no identities to check: whoever reaches the server's API is the local user. Otherwise the approver must
    /// be named by the approval's <c>by</c> (a user, a group they are in, or any-approver), be in its org (when it has
    /// one), and not be the agent's own user unless the rule says <c>self_approve: true</c>.
    /// </summary>
    public static (AnswerOutcome Outcome, string Message)? Refusal(ApprovalView approval, Approver approver)
    {
        if (!approver.Authenticated)
        {
            return null;
        }
        if (approver.User.Length == 0)
        {
            return (AnswerOutcome.NotAllowed, "this credential names no user, so it cannot answer approvals");
        }
        if (approver.Org.Length > 0 && !string.Equals(approver.Org, approval.Org, StringComparison.Ordinal))
        {
            return (AnswerOutcome.NotFound, "no such approval");
        }
        if (!approval.SelfApprove && string.Equals(approver.User, approval.User, StringComparison.Ordinal))
        {
            return (AnswerOutcome.SelfApproval, "the agent's own user cannot answer its approval (the rule does not set self_approve)");
        }
        return Names(approval, approver) ? null
            : (AnswerOutcome.NotAllowed, "only " + string.Join(", ", approval.Approvers) + " may answer this approval");
    }

    private static bool Names(ApprovalView approval, Approver approver)
    {
        foreach (var entry in approval.Approvers)
        {
            if (entry == ApprovalProtocol.AnyApprover
                || entry.StartsWith(ApprovalProtocol.UserPrefix, StringComparison.Ordinal)
                    && string.Equals(entry[ApprovalProtocol.UserPrefix.Length..], approver.User, StringComparison.Ordinal)
                || entry.StartsWith(ApprovalProtocol.GroupPrefix, StringComparison.Ordinal)
                    && approver.Groups.Contains(entry[ApprovalProtocol.GroupPrefix.Length..]))
            {
                return true;
            }
        }
        return false;
    }
}
