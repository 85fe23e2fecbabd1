using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal;

internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Policy epoch {Epoch} in force ({Hash}) from {Source}")]
    public static partial void PolicyInForce(ILogger logger, ulong epoch, string hash, string source);

    [LoggerMessage(1001, LogLevel.Error, "Policy reload from {Source} refused; epoch {Epoch} stays in force:\n{Errors}")]
    public static partial void PolicyRefused(ILogger logger, string source, ulong epoch, string errors);

    [LoggerMessage(1002, LogLevel.Error, "Policy file {Source} could not be read; epoch {Epoch} stays in force")]
    public static partial void PolicyUnreadable(ILogger logger, Exception exception, string source, ulong epoch);

    [LoggerMessage(1003, LogLevel.Warning, "Listening for policy epochs failed; retrying in {DelayMs} ms")]
    public static partial void PolicyListenerDown(ILogger logger, Exception exception, long delayMs);

    [LoggerMessage(1004, LogLevel.Warning, "Reading another replica's events {First}..{Last} for the live feed failed; they are in the store, not in the feed")]
    public static partial void ReplicaFeedFailed(ILogger logger, Exception exception, long first, long last);

    [LoggerMessage(1100, LogLevel.Information, "Stream opened for session {SessionId} (sidecar {Version}, holds epoch {Epoch})")]
    public static partial void StreamOpened(ILogger logger, string sessionId, string version, ulong epoch);

    [LoggerMessage(1101, LogLevel.Information, "Stream closed for session {SessionId}")]
    public static partial void StreamClosed(ILogger logger, string sessionId);

    [LoggerMessage(1102, LogLevel.Warning, "Stream protocol error: {Problem}")]
    public static partial void StreamProtocolError(ILogger logger, string problem);

    [LoggerMessage(1105, LogLevel.Error, "Event {EventId} of session {SessionId} could not be handled; answered deny, the stream goes on")]
    public static partial void EventFailed(ILogger logger, string eventId, string sessionId, Exception exception);

    [LoggerMessage(1104, LogLevel.Warning, "{Method} failed: the database is unreachable; answered unavailable")]
    public static partial void StoreUnavailable(ILogger logger, Exception exception, string method);

    [LoggerMessage(1103, LogLevel.Error, "In-process call {Method} failed")]
    public static partial void InProcessCallFailed(ILogger logger, string method, Exception exception);

    [LoggerMessage(1200, LogLevel.Error, "Storing a batch of {Count} events failed; they stay unacknowledged and the sidecars will resend them")]
    public static partial void BatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(1203, LogLevel.Warning, "Storing {Count} events failed; retrying in {DelayMs} ms (they stay unacknowledged until stored)")]
    public static partial void BatchRetrying(ILogger logger, Exception exception, int count, long delayMs);

    [LoggerMessage(1204, LogLevel.Error, "Event {EventId} of session {SessionId} could not be stored as it came; stored as a marked, redacted stand-in")]
    public static partial void RecordMarked(ILogger logger, Exception exception, string eventId, string sessionId);

    [LoggerMessage(1205, LogLevel.Critical, "The audit writer cannot go on; the server stops so that a supervisor restarts it (unacknowledged events stay with their sidecars)")]
    public static partial void WriterStopped(ILogger logger, Exception exception);

    [LoggerMessage(1206, LogLevel.Warning, "Publishing {Count} stored events to the live feed failed; they are in the store, not in the feed")]
    public static partial void LiveFeedFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(1207, LogLevel.Warning, "Refused event {EventId} of session {SessionId}: {Code}, {Reason}")]
    public static partial void EventRefused(ILogger logger, string eventId, string sessionId, string code, string reason);

    [LoggerMessage(1201, LogLevel.Information, "Retention: deleted {Count} events stored more than {Retention} ago")]
    public static partial void RetentionCut(ILogger logger, int count, string retention);

    [LoggerMessage(1202, LogLevel.Warning, "Retention sweep failed; the next one retries")]
    public static partial void RetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(1300, LogLevel.Information, "Session {SessionId} {Change} (agent {Agent})")]
    public static partial void SessionChanged(ILogger logger, string sessionId, string change, string agent);

    [LoggerMessage(1304, LogLevel.Warning, "Refused {What} on session {SessionId}: it belongs to another principal")]
    public static partial void SessionRefused(ILogger logger, string sessionId, string what);

    [LoggerMessage(1301, LogLevel.Information, "{Count} silent sessions marked disconnected")]
    public static partial void SessionsDisconnected(ILogger logger, int count);

    [LoggerMessage(1302, LogLevel.Error, "Stored policy state of session {SessionId} is unreadable; the session continues from what this server holds")]
    public static partial void SessionStateUnreadable(ILogger logger, Exception exception, string sessionId);

    [LoggerMessage(1303, LogLevel.Warning, "Marking silent sessions disconnected failed; the next sweep retries")]
    public static partial void SessionSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(1400, LogLevel.Information, "Hookline server: gRPC on {Grpc}, HTTP on {Http}, data in {Database}")]
    public static partial void Listening(ILogger logger, string grpc, string http, string database);

    [LoggerMessage(1500, LogLevel.Warning, "Refused {What}: {Why}")]
    public static partial void AuthRefused(ILogger logger, string what, string why);

    [LoggerMessage(1501, LogLevel.Information, "Token {TokenId} revoked: closed {Count} open streams")]
    public static partial void TokenStreamsClosed(ILogger logger, string tokenId, int count);

    [LoggerMessage(1506, LogLevel.Warning, "Could not check the token of {What}: the token store is unreachable; answered unavailable")]
    public static partial void AuthStoreUnavailable(ILogger logger, Exception exception, string what);

    [LoggerMessage(1502, LogLevel.Warning, "Checking for revoked tokens failed; trying again in a second")]
    public static partial void RevocationPollFailed(ILogger logger, Exception exception);

    [LoggerMessage(1503, LogLevel.Information, "Authentication is off: no token is asked for; {Endpoints} listens on loopback only, so any user of this machine, and anyone a proxy on it forwards, can use it (behind a proxy, give --trusted-proxy and --auth required)")]
    public static partial void AuthOff(ILogger logger, string endpoints);

    [LoggerMessage(1512, LogLevel.Warning, "Authentication is off behind the proxy {Proxies}: anyone the proxy lets through can use {Endpoints} without a token; run replicas behind a proxy with --auth required")]
    public static partial void AuthOffBehindProxy(ILogger logger, string endpoints, string proxies);

    [LoggerMessage(1505, LogLevel.Warning, "Authentication is off (--insecure): anyone who can reach {Endpoints} can use this server")]
    public static partial void AuthOffInsecure(ILogger logger, string endpoints);

    [LoggerMessage(1510, LogLevel.Information, "JWT bearer tokens accepted from issuer {Issuer} for audience {Audience}: {Keys} signing keys from {Jwks}")]
    public static partial void OidcEnabled(ILogger logger, string issuer, string audience, int keys, string jwks);

    [LoggerMessage(1511, LogLevel.Warning, "Reading the JWKS {Jwks} failed; the keys read before stay in use")]
    public static partial void JwksRefreshFailed(ILogger logger, Exception exception, string jwks);

    [LoggerMessage(1504, LogLevel.Information, "Authentication required: every call needs a bearer token ({Tls})")]
    public static partial void AuthRequired(ILogger logger, string tls);

    [LoggerMessage(1950, LogLevel.Warning, "{Warning}")]
    public static partial void DataNotPrivate(ILogger logger, string warning);
}
