namespace Hookline.Server.Internal;

/// <summary>Read side of a store, for the CLI: it runs beside a server that may be writing.</summary>
internal interface IAuditReader
{
    /// <summary>The newest <paramref name="limit"/> events, oldest first, optionally of one session.</summary>
    List<AuditEvent> ReadEvents(string? sessionId, int limit);

    List<AuditSession> ReadSessions();
}
