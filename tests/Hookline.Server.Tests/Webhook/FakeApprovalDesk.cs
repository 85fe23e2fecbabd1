using Hookline.Server.Internal.Approvals;

namespace Hookline.Server.Tests.Webhook;

/// <summary>A desk that only raises <see cref="Changed"/>: the webhook's one input, driven by the test.</summary>
internal sealed class FakeApprovalDesk : IApprovalDesk
{
    public event Action<ApprovalView>? Changed;

    public void Raise(ApprovalView approval) => Changed?.Invoke(approval);

    public Task<IReadOnlyList<ApprovalView>> ListAsync(string? org, string? status, int limit, CancellationToken cancellation) => throw new NotSupportedException();

    public Task<ApprovalView?> FindAsync(string? org, string id, CancellationToken cancellation) => throw new NotSupportedException();

    public Task<AnswerResult> AnswerAsync(Approver approver, string id, bool approve, string? reason, string channel, CancellationToken cancellation)
        => throw new NotSupportedException();

    /// <summary>A pending approval created now, expiring in <paramref name="expiresIn"/> (default an hour).</summary>
    public static ApprovalView Pending(TimeProvider time, string subject = "kubectl apply -f deploy.yaml --context prod", TimeSpan? expiresIn = null) => new(
        Id: Guid.NewGuid().ToString(), Org: "", SessionId: "session-1", EventId: Guid.NewGuid().ToString(), Agent: "codex", User: "dev",
        ToolName: "Bash", Subject: subject, RuleId: "prod-deploys", Approvers: ["group:sre"], SelfApprove: false, Remember: "once",
        OnTimeout: "deny", CreatedAt: time.GetUtcNow(), ExpiresAt: time.GetUtcNow() + (expiresIn ?? TimeSpan.FromHours(1)), Status: "pending");

    public static ApprovalView Approved(ApprovalView pending, TimeProvider time) => pending with
    {
        Status = "approved", AnsweredBy = "alice", AnsweredAt = time.GetUtcNow(), Channel = "cli", Reason = "looks fine",
    };
}
