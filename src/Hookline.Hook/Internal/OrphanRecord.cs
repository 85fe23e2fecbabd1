namespace Hookline.Hook.Internal;

/// <summary>One decision the hook took alone, with a digest of the payload it could not deliver.</summary>
internal sealed record OrphanRecord(
    DateTime TimeUtc,
    string Agent,
    string Event,
    bool Denied,
    bool FailOpen,
    string Reason,
    int PayloadBytes,
    bool PayloadTruncated,
    ulong PayloadFnv1a64,
    int ProcessId)
{
    internal const int FormatVersion = 1;

    /// <summary>
    /// <c>{"v":1,"time":..,"agent":..,"event":..,"decision":"deny|allow","source":"hook","fail_mode":"closed|open",
    /// "reason":..,"payload_bytes":N,"payload_truncated":bool,"payload_fnv1a64":"hex","pid":N}</c> plus a newline.
    /// </summary>
    internal byte[] ToJsonLine() => new JsonLineWriter()
        .Number("v", FormatVersion)
        .String("time", UtcTimestamp.Format(TimeUtc))
        .String("agent", Agent)
        .String("event", Event)
        .String("decision", Denied ? "deny" : "allow")
        .String("source", "hook")
        .String("fail_mode", FailOpen ? "open" : "closed")
        .String("reason", Reason)
        .Number("payload_bytes", PayloadBytes)
        .Boolean("payload_truncated", PayloadTruncated)
        .String("payload_fnv1a64", PayloadFnv1a64.ToString("x16", System.Globalization.CultureInfo.InvariantCulture))
        .Number("pid", ProcessId)
        .ToUtf8Line();
}
