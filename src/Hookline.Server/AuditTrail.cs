using Hookline.Server.Internal;

namespace Hookline.Server;

/// <summary>One stored event as <c>hookline events</c> shows it.</summary>
/// <param name="Decision">What the policy said (allow, ask, deny), or "none" for events that were not decided.</param>
/// <param name="Applied">What the agent was told.</param>
/// <param name="Source">Where the applied decision came from: remote, local, fail_open, fail_closed, hook, non_blocking, malformed_input.</param>
public sealed record AuditEvent(
    string EventId, string SessionId, string Agent, string AgentSessionId, string HookEvent, string ToolName,
    string ToolUseId, string? ToolInput, string Decision, string? Applied, string Source, string? Reason,
    string? ReasonCode, string RuleIds, long? PolicyEpoch, string? Mode, DateTimeOffset OccurredAt,
    DateTimeOffset DecidedAt, DateTimeOffset StoredAt)
{
    /// <summary>The session's user: the token's, or (when <see cref="Authenticated"/> is false) what the sidecar claimed.</summary>
    public string User { get; init; } = "";

    public string Org { get; init; } = "";

    /// <summary>Whether user and org came from a token.</summary>
    public bool Authenticated { get; init; }
}

/// <summary>One session as <c>hookline sessions</c> shows it.</summary>
public sealed record AuditSession(
    string SessionId, string Agent, string AgentSessionId, string User, string Cwd, string Status,
    DateTimeOffset CreatedAt, DateTimeOffset LastSeen, DateTimeOffset? EndedAt, long Events, long Denied, long Asked)
{
    public string Org { get; init; } = "";

    /// <summary>Whether user and org came from a token (else the sidecar claimed the OS user).</summary>
    public bool Authenticated { get; init; }
}

/// <summary>Reads the audit trail of a server, read-only, while the server may be writing it.</summary>
public static class AuditTrail
{
    public static string DatabasePath(string dataDirectory) => Path.Combine(dataDirectory, "hookline.db");

    /// <summary>The newest <paramref name="limit"/> events, oldest first, optionally of one session.</summary>
    public static List<AuditEvent> ReadEvents(string dataDirectory, string? sessionId = null, int limit = 1000)
        => new SqliteAuditReader(dataDirectory).ReadEvents(sessionId, limit);

    /// <summary>One page of events, newest first (or oldest first), as the read API's <c>/api/events</c> gives it.</summary>
    public static EventPage QueryEvents(string dataDirectory, EventFilter filter, string? cursor = null, int limit = 100, bool oldestFirst = false)
        => new Internal.AuditQueries(() => SqliteAuditReader.OpenReadOnly(dataDirectory)).Events(filter, cursor, limit, oldestFirst);

    /// <summary>One page of sessions, newest first, as the read API's <c>/api/sessions</c> gives it.</summary>
    public static SessionPage QuerySessions(string dataDirectory, string? cursor = null, int limit = 100)
        => new Internal.AuditQueries(() => SqliteAuditReader.OpenReadOnly(dataDirectory)).Sessions(Internal.SessionFilter.All, cursor, limit);

    public static List<AuditSession> ReadSessions(string dataDirectory) => new SqliteAuditReader(dataDirectory).ReadSessions();
}
