namespace Hookline.Server.Internal;

/// <summary>Read side of a store, for the CLI: it runs beside a server that may be writing.</summary>
internal interface IAuditReader
{
    /// <summary>The newest <paramref name="limit"/> events, oldest first, optionally of one session.</summary>
    List<AuditEvent> ReadEvents(string? sessionId, int limit);

    List<AuditSession> ReadSessions();

    /// <summary>Streams every event that occurred since the given time, oldest first; returns how many.</summary>
    int Export(long sinceUnixMs, Action<AuditEvent> write);

    /// <summary>Checks every session's hash chain.</summary>
    ChainReport Verify();
}
