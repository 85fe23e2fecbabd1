using Hookline.Shared;

namespace Hookline.Sidecar.Internal.Listening;

/// <summary>One hook invocation as the sidecar received it.</summary>
internal sealed record HookRequest(string Agent, string Event, ReadOnlyMemory<byte> Stdin, bool StdinTruncated)
{
    /// <summary>How long the hook can wait for a person's answer, from when it sent the request; zero when it cannot.</summary>
    public TimeSpan ApprovalWait { get; init; }

    /// <summary>
    /// Tells the waiting hook, before the final reply, that the call waits for a person: how long to wait from now, and
    /// a line to show. Null where there is no such frame (Claude Code's HTTP hooks simply wait).
    /// </summary>
    public Func<TimeSpan, string, ValueTask>? Interim { get; init; }

    /// <summary>Decodes a request payload (after the length prefix). Returns null and a reason when it is malformed.</summary>
    public static HookRequest? TryDecode(ReadOnlyMemory<byte> payload, out string? error)
    {
        if (!HookFrame.TryReadRequest(payload.Span, out var agent, out var hookEvent, out var stdinOffset, out var stdinTruncated, out var deadline, out var problem))
        {
            error = problem;
            return null;
        }
        error = null;
        return new HookRequest(agent, hookEvent, payload[stdinOffset..], stdinTruncated)
        {
            // No hook waits longer than the cap, whatever a frame claims.
            ApprovalWait = TimeSpan.FromMilliseconds(Math.Min(deadline.ApprovalWaitMs, (uint)AgentNames.ApprovalWaitCapMs)),
        };
    }
}
