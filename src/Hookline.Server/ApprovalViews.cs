using System.Text.Json.Serialization;

namespace Hookline.Server;

/// <summary>
/// One approval (an ask a person must answer), as <c>hookline approvals list --json</c>, the read API
/// (<c>/api/approvals</c>), the dashboard and the webhook show it. <see cref="Subject"/> is redacted under the server's
/// capture mode (empty with capture none).
/// </summary>
/// <param name="Status">pending, approved, denied, timed_out.</param>
/// <param name="Approvers">Who may answer: user:NAME, group:NAME, any-approver.</param>
/// <param name="OnTimeout">deny or ask.</param>
/// <param name="Remember">once or session.</param>
/// <param name="Channel">Where the answer came from: dashboard, cli, api, link, timeout.</param>
public sealed record ApprovalView(
    string Id, string Org, string SessionId, string EventId, string Agent, string User, string ToolName, string Subject,
    string RuleId, IReadOnlyList<string> Approvers, bool SelfApprove, string Remember, string OnTimeout,
    DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, string Status, string? AnsweredBy = null,
    DateTimeOffset? AnsweredAt = null, string? Channel = null, string? Reason = null);

/// <summary>
/// The body of <c>POST /api/approvals/{id}/approve</c> and <c>/deny</c>. A deny needs a reason. <see cref="Channel"/>:
/// <c>cli</c> from <c>hookline approvals</c>, else <c>api</c> (the dashboard and links set their own, server-side).
/// </summary>
public sealed record ApprovalAnswerRequest(string? Reason, string? Channel = null);

/// <summary>The answer to an answer: the approval as it now stands, or why it was refused.</summary>
/// <param name="Outcome">answered, not_found, already_resolved, expired, not_allowed, self_approval, reason_required.</param>
public sealed record ApprovalAnswerView(string Outcome, string Message, ApprovalView? Approval);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ApprovalView))]
[JsonSerializable(typeof(List<ApprovalView>))]
[JsonSerializable(typeof(ApprovalAnswerRequest))]
[JsonSerializable(typeof(ApprovalAnswerView))]
public sealed partial class ApprovalJsonContext : JsonSerializerContext;
