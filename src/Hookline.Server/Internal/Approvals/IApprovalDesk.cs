namespace Hookline.Server.Internal.Approvals;

/// <summary>
/// Where people answer approvals: the read API, the CLI (through it), the dashboard and the webhook's links all go
/// through this one surface. Every list and lookup is limited to <c>org</c> (null: a credential without an org reads
/// every org), like the rest of the read side.
/// </summary>
internal interface IApprovalDesk
{
    /// <summary>Approvals newest first; <paramref name="status"/> null for every status.</summary>
    Task<IReadOnlyList<ApprovalView>> ListAsync(string? org, string? status, int limit, CancellationToken cancellation);

    Task<ApprovalView?> FindAsync(string? org, string id, CancellationToken cancellation);

    /// <summary>How many approvals of <paramref name="org"/> (null: every org) wait for an answer now (the overview's count).</summary>
    Task<long> CountPendingAsync(string? org, CancellationToken cancellation);

    /// <summary>
    /// Approves or denies a pending approval, once: the first answer wins on every replica, the rest get
    /// <see cref="AnswerOutcome.AlreadyResolved"/>. Checks <see cref="ApproverRules.Refusal"/>, records the answer as
    /// a chained audit row of its own, and resolves every hook waiting on it.
    /// </summary>
    Task<AnswerResult> AnswerAsync(Approver approver, string id, bool approve, string? reason, string channel, CancellationToken cancellation);

    /// <summary>Raised when an approval is created or resolved (on any replica), for the live page and the webhook. Keep handlers quick.</summary>
    event Action<ApprovalView>? Changed;
}

/// <summary>Why an answer was refused, or that it was taken.</summary>
internal enum AnswerOutcome
{
    Answered,
    NotFound,
    AlreadyResolved,
    Expired,
    NotAllowed,
    SelfApproval,
    ReasonRequired,
}

internal sealed record AnswerResult(AnswerOutcome Outcome, string Message, ApprovalView? Approval)
{
    public ApprovalAnswerView ToView() => new(Name(Outcome), Message, Approval);

    public static string Name(AnswerOutcome outcome) => outcome switch
    {
        AnswerOutcome.Answered => "answered",
        AnswerOutcome.NotFound => "not_found",
        AnswerOutcome.AlreadyResolved => "already_resolved",
        AnswerOutcome.Expired => "expired",
        AnswerOutcome.NotAllowed => "not_allowed",
        AnswerOutcome.SelfApproval => "self_approval",
        _ => "reason_required",
    };
}

/// <summary>
/// Who answers: the authenticated caller's user, groups and org (from a Hookline token's <c>--group</c>, or the OIDC
/// groups claim). <see cref="Authenticated"/> false: authentication is off (<c>hookline start</c>): the local user, who
/// may answer anything, recorded as <see cref="User"/> (the OS user name).
/// </summary>
internal sealed record Approver(string User, IReadOnlyCollection<string> Groups, string Org, bool Authenticated)
{
    /// <summary>
    /// The approver a caller is; without authentication, the local user named <paramref name="localUser"/>. A
    /// credential of this run (<c>hookline start</c>'s dashboard secret, never stored) speaks for the OS user who
    /// started it: the local user too, who answers as with authentication off.
    /// </summary>
    public static Approver Of(Auth.Caller caller, string localUser) => caller.Authenticated && !caller.IsRunCredential
        ? new Approver(caller.User, caller.Groups, caller.Org, Authenticated: true)
        : new Approver(localUser, [], "", Authenticated: false);
}
