namespace Hookline.Server.Internal.Storage;

/// <summary>
/// Read side of a store, for the CLI and the read API: it runs beside a server that may be writing. Every query is
/// awaited (a network round trip on PostgreSQL; SQLite reads in WAL mode answer at once, never waiting on the writer).
/// A query taking an <c>org</c> reads only that org's sessions and events when it is not null (the caller's org, see
/// <c>ReadApiEndpoints.ReadOrg</c>), filtered in SQL; null reads every org.
/// </summary>
internal interface IAuditReader
{
    /// <summary>The newest <paramref name="limit"/> events, oldest first, optionally of one session.</summary>
    Task<List<AuditEvent>> ReadEventsAsync(string? sessionId, int limit, CancellationToken cancellation = default);

    Task<List<AuditSession>> ReadSessionsAsync(CancellationToken cancellation = default);

    /// <summary>Streams every event that occurred since the given time, oldest first; returns how many.</summary>
    Task<int> ExportAsync(long sinceUnixMs, Action<AuditEvent> write, CancellationToken cancellation = default);

    /// <summary>Checks every session's hash chain.</summary>
    Task<ChainReport> VerifyAsync(CancellationToken cancellation = default);

    /// <summary>One page of events that pass the filter, newest first (or oldest first), after the cursor.</summary>
    Task<EventPage> EventsAsync(EventFilter filter, string? org, string? cursor, int limit, bool oldestFirst = false, CancellationToken cancellation = default);

    Task<EventView?> EventAsync(string eventId, string? org, CancellationToken cancellation = default);

    /// <summary>The events stored in a range of storage order, for the live feed of another replica's batch.</summary>
    Task<List<EventView>> StoredBetweenAsync(long first, long last, CancellationToken cancellation = default);

    /// <summary>The stored payloads of one event, secrets masked.</summary>
    Task<RawEventView?> RawAsync(string eventId, string? org, CancellationToken cancellation = default);

    Task<SessionPage> SessionsAsync(SessionFilter filter, string? org, string? cursor, int limit, CancellationToken cancellation = default);

    /// <summary>Every accepted policy, newest first; documents only when asked for.</summary>
    Task<List<EpochView>> EpochsAsync(bool withDocuments, long? only = null, CancellationToken cancellation = default);

    /// <summary>Stored events per rule id, with the latest hit.</summary>
    Task<Dictionary<string, (long Hits, long LastMs)>> RuleHitsAsync(string? org, CancellationToken cancellation = default);

    /// <summary>Coverage: per session, calls seen to run and whether a decision governed them (org limits it to one org's sessions).</summary>
    Task<CoverageView> CoverageAsync(string? sessionId, string? org, int limit, CancellationToken cancellation = default);

    /// <summary>Events since a time by applied source, how many were decided, the hooks' p99 wait, and active sessions.</summary>
    Task<(Dictionary<string, long> Sources, long Decided, double? HookP99Ms, long ActiveSessions)> WindowAsync(long sinceMs,
        string? org, CancellationToken cancellation = default);

    /// <summary>The overview's counts over a range of whole minutes, from the per-minute rollups kept as events are stored.</summary>
    Task<OverviewCounts> OverviewAsync(OverviewRange range, string? org, CancellationToken cancellation = default);
}
