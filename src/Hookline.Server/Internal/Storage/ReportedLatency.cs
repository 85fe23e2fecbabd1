namespace Hookline.Server.Internal.Storage;

/// <summary>
/// A sidecar's measure of how long a hook waited for the server's decision on one event (source remote). Stored
/// once into the event's <c>reported_latency_us</c> (not sealed by the chain: it is telemetry the sidecar could
/// only know after the answer), and only for an event of <see cref="SessionId"/> whose applied decision is the
/// server's own and has no latency yet.
/// </summary>
internal sealed record ReportedLatency(string SessionId, string EventId, long LatencyUs);
