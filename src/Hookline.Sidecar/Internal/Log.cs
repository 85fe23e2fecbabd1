using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar.Internal;

internal static partial class Log
{
    [LoggerMessage(2000, LogLevel.Information, "Stream to {Server} open for session {SessionId}")]
    public static partial void StreamOpen(ILogger logger, string server, string sessionId);

    [LoggerMessage(2001, LogLevel.Warning, "Stream to {Server} down ({Reason}); reconnecting in {DelayMs} ms; hooks decide locally meanwhile")]
    public static partial void StreamDown(ILogger logger, string server, string reason, long delayMs);

    [LoggerMessage(2002, LogLevel.Warning, "No message from the server for {SilentMs} ms; dropping the stream")]
    public static partial void StreamSilent(ILogger logger, long silentMs);

    [LoggerMessage(2003, LogLevel.Information, "Policy epoch {Epoch} installed (fail mode {FailMode}, budget {BudgetMs} ms)")]
    public static partial void SnapshotInstalled(ILogger logger, ulong epoch, SidecarFailMode failMode, double budgetMs);

    [LoggerMessage(2004, LogLevel.Error, "Pushed policy epoch {Epoch} refused; local decisions apply the fail mode until a snapshot this sidecar can install arrives: {Error}")]
    public static partial void SnapshotRefused(ILogger logger, ulong epoch, string error);

    [LoggerMessage(2005, LogLevel.Information, "Resent {Count} unacknowledged events")]
    public static partial void Replayed(ILogger logger, int count);

    [LoggerMessage(2006, LogLevel.Debug, "Server stored {Count} events; {Remaining} await acknowledgement")]
    public static partial void Acknowledged(ILogger logger, int count, int remaining);

    [LoggerMessage(2007, LogLevel.Information, "Spool: {Pending} events of this session and {Adopted} of ended sessions await the server; {Orphans} decisions the hook made alone were taken from {OrphanFile}")]
    public static partial void SpoolLoaded(ILogger logger, int pending, int adopted, int orphans, string orphanFile);

    [LoggerMessage(2008, LogLevel.Warning, "Skipped a malformed orphan record: {Line}")]
    public static partial void OrphanSkipped(ILogger logger, string line);

    [LoggerMessage(2009, LogLevel.Warning, "The server sent a message of a kind this sidecar does not know ({Bytes} bytes); ignored, the stream stays up")]
    public static partial void UnknownServerMessage(ILogger logger, int bytes);

    [LoggerMessage(2010, LogLevel.Warning, "The spool file took over {WaitMs} ms to take an event; the hook is answered anyway")]
    public static partial void SpoolSlow(ILogger logger, long waitMs);

    [LoggerMessage(2012, LogLevel.Error, "Spooled event {EventId} could not be copied as it came; the spool keeps a marked, redacted stand-in")]
    public static partial void SpoolEventMarked(ILogger logger, Exception exception, string eventId);

    [LoggerMessage(2013, LogLevel.Warning, "Writing the spool file {Path} failed; retrying in {DelayMs} ms (the events stay in memory and go to the server meanwhile)")]
    public static partial void SpoolWriteRetrying(ILogger logger, Exception exception, string path, long delayMs);

    [LoggerMessage(2014, LogLevel.Critical, "The spool writer of {Path} cannot go on; the sidecar stops so that it is restarted")]
    public static partial void SpoolWriterStopped(ILogger logger, Exception exception, string path);

    [LoggerMessage(2015, LogLevel.Warning, "The spool file could not take an event; the hook is answered anyway")]
    public static partial void SpoolWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(2100, LogLevel.Information, "Listening for hooks on {SocketPath}")]
    public static partial void Listening(ILogger logger, string socketPath);

    [LoggerMessage(2101, LogLevel.Warning, "Refused a hook connection from uid {PeerUid} (sidecar runs as {OwnUid})")]
    public static partial void PeerRefused(ILogger logger, string peerUid, uint ownUid);

    [LoggerMessage(2102, LogLevel.Warning, "Bad hook frame: {Problem}")]
    public static partial void BadFrame(ILogger logger, string problem);

    [LoggerMessage(2103, LogLevel.Warning, "Hook {Agent}/{Event}: {Problem}")]
    public static partial void BadHookInput(ILogger logger, string agent, string @event, string problem);

    [LoggerMessage(2105, LogLevel.Error, "Hook {Agent}/{Event}: answering it failed; answered with the fail mode")]
    public static partial void HandlerFailed(ILogger logger, string agent, string @event, Exception exception);

    [LoggerMessage(2104, LogLevel.Debug, "Hook {Agent}/{Event} {Tool}: {Verdict} from {Source} in {LatencyUs} µs")]
    public static partial void Decided(ILogger logger, string agent, string @event, string tool, string verdict, string source, long latencyUs);

    [LoggerMessage(2012, LogLevel.Warning, "The server refused event {EventId} for good ({Code}: {Reason}); dropped from the spool")]
    public static partial void EventRejected(ILogger logger, string eventId, string code, string reason);

    [LoggerMessage(2011, LogLevel.Information, "Resent {Count} events still unacknowledged after a whole resend interval")]
    public static partial void Resent(ILogger logger, int count);

    [LoggerMessage(2200, LogLevel.Information, "Daemon: session {SessionId} opened for {Agent} session {AgentSessionId}")]
    public static partial void DaemonSessionOpened(ILogger logger, string agent, string agentSessionId, string sessionId);

    [LoggerMessage(2201, LogLevel.Information, "Daemon: session {SessionId} of {Agent} session {AgentSessionId} ended ({Reason})")]
    public static partial void DaemonSessionEnded(ILogger logger, string agent, string agentSessionId, string sessionId, string reason);

    [LoggerMessage(2202, LogLevel.Information, "Daemon listening for hooks on {SocketPath}")]
    public static partial void DaemonListening(ILogger logger, string socketPath);

    [LoggerMessage(2290, LogLevel.Warning, "{Warning}")]
    public static partial void StateNotPrivate(ILogger logger, string warning);
}
