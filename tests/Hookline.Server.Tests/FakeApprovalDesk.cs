using System.Collections.Concurrent;
using Hookline.Core;
using Hookline.Server.Internal.Approvals;

namespace Hookline.Server.Tests;

/// <summary>
/// An <see cref="IApprovalDesk"/> in memory, for the dashboard's tests: the same rules as the real one where the pages
/// can see them (who may answer through <see cref="ApproverRules"/>, the first answer wins, none after the deadline,
/// a deny needs a reason), and every answer recorded.
/// </summary>
internal sealed class FakeApprovalDesk(TimeProvider time) : IApprovalDesk
{
    private readonly ConcurrentDictionary<string, ApprovalView> _approvals = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public event Action<ApprovalView>? Changed;

    /// <summary>Every answer taken: who, through which channel.</summary>
    public ConcurrentQueue<(Approver Approver, string Id, string Channel)> Answers { get; } = new();

    public ApprovalView this[string id] => _approvals[id];

    public ApprovalView Add(string subject, string org = "", string user = "agent-user", IReadOnlyList<string>? by = null,
        TimeSpan? timeout = null, string sessionId = "sess-0123456789")
    {
        var now = time.GetUtcNow();
        var view = new ApprovalView("apr_" + Guid.NewGuid().ToString("N")[..12], org, sessionId, "evt-" + Guid.NewGuid().ToString("N")[..8],
            "claude-code", user, "Bash", subject, "prod-deploys", by ?? [ApprovalProtocol.AnyApprover], SelfApprove: false,
            Remember: "once", OnTimeout: "deny", now, now + (timeout ?? TimeSpan.FromMinutes(2)), ApprovalProtocol.StatusPending);
        _approvals[view.Id] = view;
        Changed?.Invoke(view);
        return view;
    }

    public Task<IReadOnlyList<ApprovalView>> ListAsync(string? org, string? status, int limit, CancellationToken cancellation)
        => Task.FromResult<IReadOnlyList<ApprovalView>>(_approvals.Values
            .Where(a => (org is null || a.Org == org) && (status is null || a.Status == status))
            .OrderByDescending(a => a.CreatedAt).Take(limit).ToList());

    public Task<ApprovalView?> FindAsync(string? org, string id, CancellationToken cancellation)
        => Task.FromResult(_approvals.TryGetValue(id, out var a) && (org is null || a.Org == org) ? a : null);

    public Task<AnswerResult> AnswerAsync(Approver approver, string id, bool approve, string? reason, string channel, CancellationToken cancellation)
    {
        ApprovalView answered;
        lock (_gate)
        {
            if (!_approvals.TryGetValue(id, out var a))
            {
                return Task.FromResult(new AnswerResult(AnswerOutcome.NotFound, "no such approval", null));
            }
            if (ApproverRules.Refusal(a, approver) is { } refusal)
            {
                return Task.FromResult(new AnswerResult(refusal.Outcome, refusal.Message, refusal.Outcome == AnswerOutcome.NotFound ? null : a));
            }
            if (a.Status != ApprovalProtocol.StatusPending)
            {
                return Task.FromResult(new AnswerResult(AnswerOutcome.AlreadyResolved, "this approval was already answered (" + a.Status + ")", a));
            }
            var now = time.GetUtcNow();
            if (now >= a.ExpiresAt)
            {
                return Task.FromResult(new AnswerResult(AnswerOutcome.Expired, "this approval expired", a));
            }
            if (!approve && string.IsNullOrWhiteSpace(reason))
            {
                return Task.FromResult(new AnswerResult(AnswerOutcome.ReasonRequired, "a deny needs a reason", a));
            }
            answered = a with
            {
                Status = approve ? ApprovalProtocol.StatusApproved : ApprovalProtocol.StatusDenied,
                AnsweredBy = approver.User, AnsweredAt = now, Channel = channel, Reason = reason,
            };
            _approvals[id] = answered;
            Answers.Enqueue((approver, id, channel));
        }
        Changed?.Invoke(answered);
        return Task.FromResult(new AnswerResult(AnswerOutcome.Answered, approve ? "approved" : "denied", answered));
    }
}
