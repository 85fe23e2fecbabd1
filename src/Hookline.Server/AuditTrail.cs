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
    public static Task<List<AuditEvent>> ReadEventsAsync(string dataDirectory, string? sessionId = null, int limit = 1000)
        => new SqliteAuditReader(dataDirectory).ReadEventsAsync(sessionId, limit);

    /// <summary>One page of events, newest first (or oldest first), as the read API's <c>/api/events</c> gives it.</summary>
    public static Task<EventPage> QueryEventsAsync(string dataDirectory, EventFilter filter, string? cursor = null, int limit = 100, bool oldestFirst = false)
        => QueryEventsAsync(new AuditLocation(dataDirectory), filter, cursor, limit, oldestFirst);

    /// <inheritdoc cref="QueryEventsAsync(string, EventFilter, string?, int, bool)"/>
    public static Task<EventPage> QueryEventsAsync(AuditLocation location, EventFilter filter, string? cursor = null, int limit = 100, bool oldestFirst = false)
        => WithAsync(location, reader => reader.EventsAsync(filter, null, cursor, limit, oldestFirst));

    /// <summary>One page of sessions, newest first, as the read API's <c>/api/sessions</c> gives it.</summary>
    public static Task<SessionPage> QuerySessionsAsync(string dataDirectory, string? cursor = null, int limit = 100)
        => QuerySessionsAsync(new AuditLocation(dataDirectory), cursor, limit);

    /// <inheritdoc cref="QuerySessionsAsync(string, string?, int)"/>
    public static Task<SessionPage> QuerySessionsAsync(AuditLocation location, string? cursor = null, int limit = 100)
        => WithAsync(location, reader => reader.SessionsAsync(Internal.Storage.SessionFilter.All, null, cursor, limit));

    public static Task<List<AuditSession>> ReadSessionsAsync(string dataDirectory) => new SqliteAuditReader(dataDirectory).ReadSessionsAsync();

    /// <inheritdoc cref="ReadEventsAsync(string, string?, int)"/>
    public static Task<List<AuditEvent>> ReadEventsAsync(AuditLocation location, string? sessionId = null, int limit = 1000)
        => WithAsync(location, reader => reader.ReadEventsAsync(sessionId, limit));

    public static Task<List<AuditSession>> ReadSessionsAsync(AuditLocation location) => WithAsync(location, reader => reader.ReadSessionsAsync());

    /// <summary>Hands every event that occurred since <paramref name="since"/> to <paramref name="write"/>, oldest first; returns how many.</summary>
    public static Task<int> ExportAsync(AuditLocation location, DateTimeOffset since, Action<AuditEvent> write)
        => WithAsync(location, reader => reader.ExportAsync(since.ToUnixTimeMilliseconds(), write));

    /// <summary>Coverage of one session (every call), or of every session (the ungoverned calls), as <c>/api/coverage</c> gives it.</summary>
    public static Task<CoverageView> CoverageAsync(AuditLocation location, string? sessionId = null, int limit = 1000)
        => WithAsync(location, reader => reader.CoverageAsync(sessionId, null, limit));

    /// <summary>Recomputes every session's hash chain and names the first broken link of each broken one.</summary>
    public static Task<ChainReport> VerifyAsync(AuditLocation location) => WithAsync(location, reader => reader.VerifyAsync());

    private static async Task<T> WithAsync<T>(AuditLocation location, Func<IAuditReader, Task<T>> read)
    {
        if (string.IsNullOrEmpty(location.Postgres))
        {
            return await read(new SqliteAuditReader(location.DataDirectory)).ConfigureAwait(false);
        }
        await using var dataSource = PostgresStore.CreateDataSource(location.Postgres);
        return await read(new PostgresAuditReader(dataSource)).ConfigureAwait(false);
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
