using Hookline.Shared;

namespace Hookline.Hook.Internal;

/// <summary>
/// The request the hook sends, laid out by <see cref="HookFrame"/>. Built in one buffer with stdin read straight into
/// its tail, so sending needs no second copy of the payload.
/// </summary>
internal sealed class RequestFrame
{
    private const int InitialStdinCapacity = 16 * 1024;

    private RequestFrame(byte[] buffer, int length, int stdinOffset, bool stdinTruncated, string? stdinProblem)
    {
        Buffer = buffer;
        Length = length;
        StdinOffset = stdinOffset;
        StdinTruncated = stdinTruncated;
        StdinProblem = stdinProblem;
    }

    /// <summary>An empty request, for a run that failed before it read stdin.</summary>
    internal static RequestFrame None { get; } = new([], 0, 0, false, null);

    /// <summary>The whole frame, length prefix included, in <c>Buffer[0..Length]</c>.</summary>
    internal byte[] Buffer { get; }

    internal int Length { get; }

    private int StdinOffset { get; }

    internal bool StdinTruncated { get; }

    /// <summary>Why stdin could not be read to its end (an error, or still open at the deadline); null when it was.</summary>
    internal string? StdinProblem { get; }

    /// <summary>The stdin bytes that were forwarded (after any cut at the cap).</summary>
    internal ReadOnlySpan<byte> Stdin => Buffer.AsSpan(StdinOffset, Length - StdinOffset);

    /// <summary>
    /// Sets the deadline the frame tells the sidecar, just before it is sent: what is left of the hook's budget, and
    /// how long it can wait for a person's answer.
    /// </summary>
    internal void SetDeadline(long budgetMs, long approvalWaitMs)
        => HookFrame.WriteDeadline(Buffer, StdinOffset, (uint)Math.Max(0, budgetMs), (uint)Math.Max(0, approvalWaitMs));

    /// <summary>The frame bytes to put on the socket.</summary>
    internal ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, Length);

    /// <summary>Reads all of stdin (cut at the cap, the rest drained) into a new frame, until <paramref name="deadline"/>.</summary>
    /// <param name="agent">ASCII agent name, at most 255 bytes.</param>
    /// <param name="hookEvent">ASCII event name, at most 255 bytes.</param>
    /// <param name="deadline">When reading gives up (<see cref="Environment.TickCount64"/>): see <see cref="StdinProblem"/>.</param>
    internal static RequestFrame ReadFromStdin(string agent, string hookEvent, long deadline)
    {
        var headerBytes = HookFrame.RequestHeaderBytes(agent, hookEvent);
        var maxStdinBytes = HookFrame.MaxPayloadBytes - headerBytes;

        var buffer = new byte[HookFrame.LengthPrefixBytes + headerBytes + InitialStdinCapacity];
        var stdinOffset = HookFrame.WriteRequestHeader(buffer, agent, hookEvent);

        var stdinLength = StdinReader.ReadUpTo(ref buffer, stdinOffset, maxStdinBytes, deadline, out var truncated, out var problem);
        var length = stdinOffset + stdinLength;
        HookFrame.SealRequest(buffer.AsSpan(0, length), truncated);
        return new RequestFrame(buffer, length, stdinOffset, truncated, problem);
    }
}
