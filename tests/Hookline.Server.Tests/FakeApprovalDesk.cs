using System.Collections.Concurrent;
using Hookline.Core;
using Hookline.Server.Internal.Approvals;

namespace Hookline.Server.Tests;

/// <summary>
/// An approval desk in memory, for the HTTP API and the CLI without the decision path: approvals are added by the test,
/// answers follow the desk's contract (first wins, a deny needs a reason, expired after the deadline) and
/// <see cref="ApproverRules"/>, and every answer asked for is kept with its approver and channel (<see cref="Taken"/>:
/// the ones it took). Also linked into Hookline.Cli.Tests and Hookline.Dashboard.Tests.
/// </summary>
internal sealed class FakeApprovalDesk(TimeProvider time) : IApprovalDesk
{
    private readonly ConcurrentDictionary<string, ApprovalView> _approvals = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Answer> _answers = new();

    /// <summary>One call of <see cref="AnswerAsync"/>, as the desk received it.</summary>
    public sealed record Answer(Approver Approver, string Id, bool Approve, string? Reason, string Channel);

    public IReadOnlyCollection<Answer> Answers => _answers.ToArray();

    /// <summary>The answers the desk took (the first for each approval).</summary>
    public IReadOnlyCollection<Answer> Taken => _answers.Where(a => _approvals.TryGetValue(a.Id, out var v)
        && v.Status != ApprovalProtocol.StatusPending && v.AnsweredBy == a.Approver.User && v.Channel == a.Channel
        && v.Status == (a.Approve ? ApprovalProtocol.StatusApproved : ApprovalProtocol.StatusDenied)).DistinctBy(a => a.Id).ToArray();

    public ApprovalView this[string id] => _approvals[id];

    public event Action<ApprovalView>? Changed;

    /// <summary>A pending approval of <paramref name="user"/>'s agent, answerable by <paramref name="by"/>.</summary>
    public ApprovalView Add(string org, string user, string[] by, string subject = "kubectl apply -f prod.yaml", bool selfApprove = false)
    {
        var now = time.GetUtcNow();
        var view = new ApprovalView("apr_" + Guid.NewGuid().ToString("N")[..12], org, Guid.NewGuid().ToString(), Guid.NewGuid().ToString(),
            "codex", user, "Bash", subject, "prod-deploys", by, selfApprove, "once", "deny", now, now.AddMinutes(2), ApprovalProtocol.StatusPending);
        _approvals[view.Id] = view;
        Changed?.Invoke(view);
        return view;
    }

    /// <summary>A pending approval of a Claude Code session, for the dashboard's pages.</summary>
    public ApprovalView Add(string subject, string org = "", string user = "agent-user", IReadOnlyList<string>? by = null,
        TimeSpan? timeout = null, string sessionId = "sess-0123456789")
    {
        var now = time.GetUtcNow();
        var view = new ApprovalView("apr_" + Guid.NewGuid().ToString("N")[..12], org, sessionId, "evt-" + Guid.NewGuid().ToString("N")[..8],
            "claude", user, "Bash", subject, "prod-deploys", by ?? [ApprovalProtocol.AnyApprover], SelfApprove: false,
            Remember: "once", OnTimeout: "deny", now, now + (timeout ?? TimeSpan.FromMinutes(2)), ApprovalProtocol.StatusPending);
        _approvals[view.Id] = view;
        Changed?.Invoke(view);
        return view;
    }

    /// <summary>Raises <see cref="Changed"/> again for an approval, as a folded request or another replica's notice does.</summary>
    public void Echo(string id) => Changed?.Invoke(_approvals[id]);

    public Task<IReadOnlyList<ApprovalView>> ListAsync(string? org, string? status, int limit, CancellationToken cancellation)
        => Task.FromResult<IReadOnlyList<ApprovalView>>(_approvals.Values
            .Where(a => (org is null || a.Org == org) && (status is null || a.Status == status))
            .OrderByDescending(a => a.CreatedAt).Take(limit).ToList());

    public Task<ApprovalView?> FindAsync(string? org, string id, CancellationToken cancellation)
        => Task.FromResult(_approvals.TryGetValue(id, out var a) && (org is null || a.Org == org) ? a : null);

    public Task<long> CountPendingAsync(string? org, CancellationToken cancellation)
        => Task.FromResult((long)_approvals.Values.Count(a => (org is null || a.Org == org) && a.Status == ApprovalProtocol.StatusPending));

    public Task<AnswerResult> AnswerAsync(Approver approver, string id, bool approve, string? reason, string channel, CancellationToken cancellation)
    {
        _answers.Enqueue(new Answer(approver, id, approve, reason, channel));
        if (!_approvals.TryGetValue(id, out var approval))
        {
            return Result(AnswerOutcome.NotFound, "no such approval", null);
        }
        if (approval.Status != ApprovalProtocol.StatusPending)
        {
            return Result(AnswerOutcome.AlreadyResolved, "already " + approval.Status, approval);
        }
        var now = time.GetUtcNow();
        if (now >= approval.ExpiresAt)
        {
            return Result(AnswerOutcome.Expired, "expired", approval);
        }
        if (!approve && string.IsNullOrWhiteSpace(reason))
        {
            return Result(AnswerOutcome.ReasonRequired, "a deny needs a reason", approval);
        }
        if (ApproverRules.Refusal(approval, approver) is { } refusal)
        {
            return Result(refusal.Outcome, refusal.Message, refusal.Outcome == AnswerOutcome.NotFound ? null : approval);
        }
        var answered = approval with
        {
            Status = approve ? ApprovalProtocol.StatusApproved : ApprovalProtocol.StatusDenied,
            AnsweredBy = approver.User, AnsweredAt = now, Channel = channel, Reason = reason,
        };
        if (!_approvals.TryUpdate(id, answered, approval))
        {
            return Result(AnswerOutcome.AlreadyResolved, "already answered", _approvals[id]);
        }
        Changed?.Invoke(answered);
        return Result(AnswerOutcome.Answered, approve ? "approved" : "denied", answered);
    }

    private static Task<AnswerResult> Result(AnswerOutcome outcome, string message, ApprovalView? approval)
        => Task.FromResult(new AnswerResult(outcome, message, approval));
}
