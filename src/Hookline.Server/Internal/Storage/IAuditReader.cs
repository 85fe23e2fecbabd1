namespace Hookline.Server.Internal.Storage;

/// <summary>Read side of a store, for the CLI and the read API: it runs beside a server that may be writing.</summary>
internal interface IAuditReader
{
    /// <summary>The newest <paramref name="limit"/> events, oldest first, optionally of one session.</summary>
    List<AuditEvent> ReadEvents(string? sessionId, int limit);

    List<AuditSession> ReadSessions();

    /// <summary>Streams every event that occurred since the given time, oldest first; returns how many.</summary>
    int Export(long sinceUnixMs, Action<AuditEvent> write);

    /// <summary>Checks every session's hash chain.</summary>
    ChainReport Verify();

    /// <summary>One page of events that pass the filter, newest first (or oldest first), after the cursor.</summary>
    EventPage Events(EventFilter filter, string? cursor, int limit, bool oldestFirst = false);

    EventView? Event(string eventId);

    /// <summary>The events stored in a range of storage order, for the live feed of another replica's batch.</summary>
    List<EventView> StoredBetween(long first, long last);

    /// <summary>The stored payloads of one event, secrets masked.</summary>
    RawEventView? Raw(string eventId);

    SessionPage Sessions(SessionFilter filter, string? cursor, int limit);

    /// <summary>Every accepted policy, newest first; documents only when asked for.</summary>
    List<EpochView> Epochs(bool withDocuments, long? only = null);

    /// <summary>Stored events per rule id, with the latest hit.</summary>
    Dictionary<string, (long Hits, long LastMs)> RuleHits();

    /// <summary>Events since a time by applied source, how many were decided, the hooks' p99 wait, and active sessions.</summary>
    (Dictionary<string, long> Sources, long Decided, double? HookP99Ms, long ActiveSessions) Window(long sinceMs);
}
