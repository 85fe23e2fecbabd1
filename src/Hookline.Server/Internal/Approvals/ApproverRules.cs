using System.Text;
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
        if (!approval.SelfApprove && approval.User.Length == 0)
        {
            return (AnswerOutcome.SelfApproval,
                "the agent's user is unknown (its sidecar's credential names no user), so no one can be shown not to be it (the rule does not set self_approve)");
        }
        if (!approval.SelfApprove && SamePerson(approver.User, approval.User))
        {
            return (AnswerOutcome.SelfApproval, "the agent's own user cannot answer its approval (the rule does not set self_approve)");
        }
        return Names(approval, approver) ? null
            : (AnswerOutcome.NotAllowed, "only " + string.Join(", ", approval.Approvers) + " may answer this approval");
    }

    /// <summary>
    /// Names that differ only in case or compatibility form are one person to the self-approval check. The server runs
    /// with invariant globalization, where string.Normalize leaves non-ASCII text as it is, so NFKC's most likely
    /// disguise of a user name, the fullwidth forms of ASCII (U+FF01..U+FF5E), is folded here by hand.
    /// </summary>
    private static bool SamePerson(string one, string other)
        => string.Equals(Folded(one), Folded(other), StringComparison.OrdinalIgnoreCase);

    private static string Folded(string name)
    {
        name = name.Normalize(NormalizationForm.FormKC);
        return string.Create(name.Length, name, static (folded, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                folded[i] = c is >= '\uFF01' and <= '\uFF5E' ? (char)(c - 0xFEE0) : c;
            }
        });
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
