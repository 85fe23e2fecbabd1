namespace Hookline.Policy;

/// <summary>
/// An ask that a person answers wherever they are (docs/approvals.md): who may approve, how long to wait, and what
/// happens when nobody answers. From a rule's <c>approval:</c>, or from the document's <c>approvals:</c> for a plain ask.
/// </summary>
/// <param name="By">Who may answer: <c>user:NAME</c>, <c>group:NAME</c> or <c>any-approver</c>; never empty.</param>
/// <param name="Timeout">How long to wait for an answer: 1 s to 540 s.</param>
/// <param name="OnTimeout">What applies when nobody answers in time: <see cref="Effect.Deny"/> or <see cref="Effect.Ask"/>, never allow.</param>
/// <param name="RememberSession"><c>remember: session</c>: once approved, the same subject (<see cref="ApprovalSubject"/>) is allowed for the rest of the session.</param>
/// <param name="SelfApprove">The agent's own user may answer.</param>
/// <param name="RuleId">The ask rule that named the approval (several decided together: their ids joined with ','); empty for a plain ask the document routes to approvals.</param>
public sealed record ApprovalSpec(IReadOnlyList<string> By, TimeSpan Timeout, Effect OnTimeout, bool RememberSession, bool SelfApprove, string RuleId)
{
    /// <summary>Approver entries of <c>by:</c>.</summary>
    public const string AnyApprover = "any-approver";
    public const string UserPrefix = "user:";
    public const string GroupPrefix = "group:";

    /// <summary>
    /// The one entry of a combined approval whose rules share no approver (<c>by: [group:sre]</c> and <c>by: [user:dev]</c>
    /// in one compound command): it names no user or group, so no credential may answer, and <see cref="OnTimeout"/>
    /// applies when the timeout passes. Never written in a document.
    /// </summary>
    public const string Nobody = "nobody";

    /// <summary>The most entries one <c>by:</c> may list.</summary>
    public const int MaxApprovers = 64;

    /// <summary>What a key left out means: <c>by: [any-approver]</c>, <c>timeout: 120s</c>, <c>on_timeout: deny</c>, <c>remember: once</c>.</summary>
    public static ApprovalSpec Defaults { get; } = new([AnyApprover], TimeSpan.FromSeconds(120), Effect.Deny, false, false, "");

    /// <summary>"by group:sre, user:alice; timeout 120s; on_timeout deny; remember session": for explanations.</summary>
    public override string ToString() =>
        $"by {string.Join(", ", By)}{(By is [Nobody] ? " (the rules that decided share no approver: on_timeout applies)" : "")}; timeout {Timeout.TotalSeconds:0.###}s; on_timeout {OnTimeout.ToString().ToLowerInvariant()}; " +
        $"remember {(RememberSession ? "session" : "once")}{(SelfApprove ? "; self_approve" : "")}{(RuleId.Length > 0 ? "; rule " + RuleId : "; plain ask")}";
}
