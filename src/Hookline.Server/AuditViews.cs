using System.Text.Json.Serialization;

namespace Hookline.Server;

/// <summary>
/// One stored event as <c>hookline events --json</c>, the read API and the dashboard show it. The first keys are
/// those of the audit trail; <c>user</c>, <c>cwd</c> and <c>latency_us</c> come after.
/// </summary>
/// <param name="Decision">What the policy said (allow, ask, deny), or "none" for events that were not decided.</param>
/// <param name="Applied">What the agent was told.</param>
/// <param name="Source">Where the applied decision came from: remote, local, fail_open, fail_closed, hook, non_blocking, malformed_input.</param>
/// <param name="LatencyUs">
/// How long the hook waited for the decision, as the sidecar measured it (for a remote decision, as it reported after
/// answering); null when unknown.
/// </param>
public sealed record EventView(
    string EventId, string SessionId, string Agent, string AgentSessionId, string HookEvent, string ToolName,
    string ToolUseId, string? ToolInput, string Decision, string? Applied, string Source, string? Reason,
    string? ReasonCode, IReadOnlyList<string> RuleIds, long? PolicyEpoch, string? Mode, DateTimeOffset OccurredAt,
    DateTimeOffset DecidedAt, DateTimeOffset StoredAt, string? User = null, string? Cwd = null, long? LatencyUs = null)
{
    /// <summary>The keyset cursor that pages past this event (newest first).</summary>
    [JsonIgnore]
    public string? Cursor { get; init; }

    public string Org { get; init; } = "";

    /// <summary>Whether user and org came from a token (else the sidecar only claimed them).</summary>
    public bool Authenticated { get; init; }
}

/// <summary>One session as <c>hookline sessions --json</c>, the read API and the dashboard show it.</summary>
public sealed record SessionView(
    string SessionId, string Agent, string AgentSessionId, string User, string Cwd, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset LastSeen,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? EndedAt,
    long Events, long Denied, long Asked, long Allowed)
{
    public string Org { get; init; } = "";

    /// <summary>Whether user and org came from a token (else the sidecar only claimed them).</summary>
    public bool Authenticated { get; init; }
}

/// <summary>A page of results, newest first; <see cref="Next"/> fetches the page after it, null at the end.</summary>
public sealed record EventPage(IReadOnlyList<EventView> Items, string? Next);

/// <summary>A page of sessions, newest first.</summary>
public sealed record SessionPage(IReadOnlyList<SessionView> Items, string? Next);

/// <summary>The stored input of one event, with secrets masked; fetched on demand only.</summary>
public sealed record RawEventView(string EventId, string? ToolInput, string? ToolResponse, string? RawInput, string? Prompt, bool Truncated);

/// <summary>One accepted policy document; <see cref="AppliedBy"/> names the authenticated caller of <c>policy apply</c>.</summary>
public sealed record EpochView(long Epoch, string Hash, string Source, DateTimeOffset AppliedAt, string? Document, string AppliedBy = "");

/// <summary>The policy in force.</summary>
public sealed record PolicyView(long Epoch, string Hash, string Source, DateTimeOffset AppliedAt, string Mode, string Document, string AppliedBy = "");

/// <summary>One line of a diff between two epochs: <c>op</c> is " ", "+" or "-".</summary>
public sealed record DiffLine(string Op, string Text);

public sealed record PolicyDiffView(long From, long To, IReadOnlyList<DiffLine> Lines);

/// <summary>How often a rule of the policy in force decided a stored event.</summary>
public sealed record RuleHitView(string RuleId, string Effect, long Hits, DateTimeOffset? LastHit);

public sealed record RuleHitsView(long Epoch, IReadOnlyList<RuleHitView> Rules, IReadOnlyList<string> NeverFired);

/// <summary>
/// Health over the last <see cref="WindowSeconds"/>: rates are fractions (0..1) of the decided events in the window.
/// </summary>
public sealed record HealthView(
    long Epoch, int OpenStreams, long ActiveSessions, int WindowSeconds, long EventsInWindow, long DecidedInWindow,
    double DecisionsPerSecond, double? ServerP99Ms, double? HookP99Ms, double BudgetMissRate, double LocalFallbackRate,
    double FailClosedRate, double FailOpenRate, IReadOnlyDictionary<string, long> Sources, long StoredTotal,
    long StoreFailures, int LiveSubscribers);

/// <summary>An error of the read API.</summary>
public sealed record ApiError(string Error);

/// <summary>Source-generated JSON for everything the read API and the CLI exchange (Native AOT: no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(EventView))]
[JsonSerializable(typeof(SessionView))]
[JsonSerializable(typeof(EventPage))]
[JsonSerializable(typeof(SessionPage))]
[JsonSerializable(typeof(RawEventView))]
[JsonSerializable(typeof(EpochView))]
[JsonSerializable(typeof(List<EpochView>))]
[JsonSerializable(typeof(PolicyView))]
[JsonSerializable(typeof(PolicyDiffView))]
[JsonSerializable(typeof(RuleHitsView))]
[JsonSerializable(typeof(HealthView))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(CoverageView))]
public sealed partial class AuditJson : JsonSerializerContext;

/// <summary>The views of rows read by <see cref="AuditTrail"/>, so every reader prints the same shape.</summary>
public static class AuditViews
{
    public static EventView Of(AuditEvent e) => new(
        e.EventId, e.SessionId, e.Agent, e.AgentSessionId, e.HookEvent, e.ToolName, e.ToolUseId, e.ToolInput, e.Decision,
        e.Applied, e.Source, e.Reason, e.ReasonCode, e.RuleIds.Split(',', StringSplitOptions.RemoveEmptyEntries),
        e.PolicyEpoch, e.Mode, e.OccurredAt, e.DecidedAt, e.StoredAt, e.User)
    {
        Org = e.Org,
        Authenticated = e.Authenticated,
    };

    public static SessionView Of(AuditSession s) => new(
        s.SessionId, s.Agent, s.AgentSessionId, s.User, s.Cwd, s.Status, s.CreatedAt, s.LastSeen, s.EndedAt, s.Events,
        s.Denied, s.Asked, s.Allowed)
    {
        Org = s.Org,
        Authenticated = s.Authenticated,
    };
}
