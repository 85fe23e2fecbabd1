namespace Hookline.Policy.Internal.Approvals;

/// <summary>
/// One approval for an ask several rules decided (the parts of a compound command, the files of one call): it must
/// satisfy every one of them, so the weakest rule never speaks for the strictest.
/// </summary>
internal static class ApprovalCombiner
{
    /// <summary>
    /// The approval every one of <paramref name="approvals"/> (in document order) would accept: approvers named by every
    /// list (<c>any-approver</c> constrains nothing; none in common: <see cref="ApprovalSpec.Nobody"/>), the shortest
    /// timeout, deny on timeout if any says deny, remember and self-approve only if every one says so, and the rule ids
    /// joined with ','.
    /// </summary>
    public static ApprovalSpec Combine(IReadOnlyList<ApprovalSpec> approvals)
    {
        if (approvals.Count == 1)
        {
            return approvals[0];
        }

        var timeout = approvals[0].Timeout;
        var onTimeout = Effect.Ask;
        var remember = true;
        var selfApprove = true;
        foreach (var approval in approvals)
        {
            timeout = approval.Timeout < timeout ? approval.Timeout : timeout;
            onTimeout = approval.OnTimeout == Effect.Deny ? Effect.Deny : onTimeout;
            remember &= approval.RememberSession;
            selfApprove &= approval.SelfApprove;
        }

        var ruleIds = string.Join(',', approvals.Select(a => a.RuleId).Where(id => id.Length > 0).Distinct(StringComparer.Ordinal));
        return new ApprovalSpec(Approvers(approvals), timeout, onTimeout, remember, selfApprove, ruleIds);
    }

    /// <summary>The entries every list names; a list with <c>any-approver</c> accepts anyone, so it takes no part.</summary>
    public static IReadOnlyList<string> Approvers(IEnumerable<ApprovalSpec> approvals)
    {
        IReadOnlyList<string>? common = null;
        foreach (var approval in approvals)
        {
            if (approval.By.Contains(ApprovalSpec.AnyApprover, StringComparer.Ordinal))
            {
                continue;
            }

            common = common is null ? approval.By : common.Where(e => approval.By.Contains(e, StringComparer.Ordinal)).ToArray();
        }

        return common is null ? [ApprovalSpec.AnyApprover] : common.Count == 0 ? [ApprovalSpec.Nobody] : common;
    }
}
