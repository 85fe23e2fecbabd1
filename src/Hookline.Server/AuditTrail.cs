using Hookline.Server.Internal.Storage.Postgres;
using Hookline.Server.Internal.Storage.Sqlite;
using Hookline.Server.Internal.Storage;
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

    public long Allowed { get; init; }
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
        => QueryEvents(new AuditLocation(dataDirectory), filter, cursor, limit, oldestFirst);

    /// <inheritdoc cref="QueryEvents(string, EventFilter, string?, int, bool)"/>
    public static EventPage QueryEvents(AuditLocation location, EventFilter filter, string? cursor = null, int limit = 100, bool oldestFirst = false)
        => With(location, reader => reader.Events(filter, cursor, limit, oldestFirst));

    /// <summary>One page of sessions, newest first, as the read API's <c>/api/sessions</c> gives it.</summary>
    public static SessionPage QuerySessions(string dataDirectory, string? cursor = null, int limit = 100)
        => QuerySessions(new AuditLocation(dataDirectory), cursor, limit);

    /// <inheritdoc cref="QuerySessions(string, string?, int)"/>
    public static SessionPage QuerySessions(AuditLocation location, string? cursor = null, int limit = 100)
        => With(location, reader => reader.Sessions(Internal.Storage.SessionFilter.All, cursor, limit));

    public static List<AuditSession> ReadSessions(string dataDirectory) => new SqliteAuditReader(dataDirectory).ReadSessions();

    /// <inheritdoc cref="ReadEvents(string, string?, int)"/>
    public static List<AuditEvent> ReadEvents(AuditLocation location, string? sessionId = null, int limit = 1000)
        => With(location, reader => reader.ReadEvents(sessionId, limit));

    public static List<AuditSession> ReadSessions(AuditLocation location) => With(location, reader => reader.ReadSessions());

    /// <summary>Hands every event that occurred since <paramref name="since"/> to <paramref name="write"/>, oldest first; returns how many.</summary>
    public static int Export(AuditLocation location, DateTimeOffset since, Action<AuditEvent> write)
        => With(location, reader => reader.Export(since.ToUnixTimeMilliseconds(), write));

    /// <summary>Recomputes every session's hash chain and names the first broken link of each broken one.</summary>
    public static ChainReport Verify(AuditLocation location) => With(location, reader => reader.Verify());

    private static T With<T>(AuditLocation location, Func<IAuditReader, T> read)
    {
        if (string.IsNullOrEmpty(location.Postgres))
        {
            return read(new SqliteAuditReader(location.DataDirectory));
        }
        using var dataSource = PostgresStore.CreateDataSource(location.Postgres);
        return read(new PostgresAuditReader(dataSource));
    }
}

/// <summary>Where an audit trail lives: a server's data directory (SQLite), or a PostgreSQL database.</summary>
/// <param name="Postgres">An Npgsql connection string; when set, <paramref name="DataDirectory"/> is ignored.</param>
public sealed record AuditLocation(string DataDirectory, string? Postgres = null);

/// <summary>The first broken link of one session's chain.</summary>
/// <param name="SessionSeq">Position of the broken event in its session's chain (1 = the first event).</param>
public sealed record BrokenLink(string SessionId, long SessionSeq, string EventId, string Problem);

/// <summary>What <c>hookline verify</c> found.</summary>
/// <param name="Unchained">Events stored before chains existed (schema version 1): not checked.</param>
/// <param name="Checkpoints">Sessions whose chain starts after a retention cut, at a recorded checkpoint.</param>
public sealed record ChainReport(long Sessions, long Events, long Unchained, long Checkpoints, IReadOnlyList<BrokenLink> Broken)
{
    public bool Intact => Broken.Count == 0;
}
