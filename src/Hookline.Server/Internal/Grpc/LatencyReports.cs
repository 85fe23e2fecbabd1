using Hookline.Contracts.V1;
using Hookline.Server.Internal.Storage;

namespace Hookline.Server.Internal.Grpc;

/// <summary>
/// Reads a sidecar's <see cref="DecisionLatencies"/>: only for the stream's own admitted session (the store's update
/// is keyed on it, so ids of another session's events change nothing), at most <see cref="MaxItems"/> items, and only
/// for events this stream got a remote decision for, each once (<see cref="AnsweredEvents"/>): a stream cannot fill
/// the writer's shared buffer with ids nobody checks, it reports at most as many latencies as it had decisions.
/// A message over the bound is ignored whole; any other item is skipped.
/// </summary>
internal static class LatencyReports
{
    public const int MaxItems = 256;

    /// <returns>The latencies to store, and how many of the message's items were refused.</returns>
    public static (List<ReportedLatency> Accepted, int Refused) Read(DecisionLatencies message, string? sessionId, AnsweredEvents answered)
    {
        if (sessionId is null || message.Items.Count > MaxItems)
        {
            return ([], message.Items.Count);
        }
        var accepted = new List<ReportedLatency>(message.Items.Count);
        foreach (var item in message.Items)
        {
            if (answered.TryTake(item.EventId))
            {
                accepted.Add(new ReportedLatency(sessionId, item.EventId, item.LatencyUs));
            }
        }
        return (accepted, message.Items.Count - accepted.Count);
    }
}
