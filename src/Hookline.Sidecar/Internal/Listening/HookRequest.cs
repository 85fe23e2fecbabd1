using Hookline.Shared;

namespace Hookline.Sidecar.Internal.Listening;

/// <summary>One hook invocation as the sidecar received it.</summary>
internal sealed record HookRequest(string Agent, string Event, ReadOnlyMemory<byte> Stdin, bool StdinTruncated)
{
    /// <summary>Decodes a request payload (after the length prefix). Returns null and a reason when it is malformed.</summary>
    public static HookRequest? TryDecode(ReadOnlyMemory<byte> payload, out string? error)
    {
        if (!HookFrame.TryReadRequest(payload.Span, out var agent, out var hookEvent, out var stdinOffset, out var stdinTruncated, out var problem))
        {
            error = problem;
            return null;
        }
        error = null;
        return new HookRequest(agent, hookEvent, payload[stdinOffset..], stdinTruncated);
    }
}
