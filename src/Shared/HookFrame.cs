using System.Buffers.Binary;
using System.Text;

namespace Hookline.Shared;

/// <summary>
/// The hook ⇄ sidecar frame codec, linked as source into the hook and the sidecar so both sides read and write one
/// layout. Every frame is a u32 BE length N (at most <see cref="MaxPayloadBytes"/>), then N bytes of payload.
/// Request payload: version (2), flags (bit 0: stdin cut at the cap), u8-length agent, u8-length event, u32 BE budget_ms,
/// u32 BE approval_wait_ms, raw stdin. Version 1 (an older hook) has no budget_ms and approval_wait_ms: read as 0.
/// The reply is <see cref="ReplyFrame"/>. No interpolated strings here: the hook is Native AOT and kept small.
/// </summary>
internal static class HookFrame
{
    /// <summary>The first version: a request without its deadline, and the final reply (<see cref="ReplyFrame.Version"/>).</summary>
    internal const byte Version = 1;

    /// <summary>The request the hook writes: with its deadline (budget_ms, approval_wait_ms).</summary>
    internal const byte RequestVersion = 2;
    internal const byte FlagStdinTruncated = 1;
    internal const int LengthPrefixBytes = 4;

    /// <summary>budget_ms and approval_wait_ms, after the event name of a version 2 request.</summary>
    internal const int DeadlineBytes = 8;

    /// <summary>Largest N (the payload after the 4-byte length) either side may send.</summary>
    internal const int MaxPayloadBytes = 10 * 1024 * 1024;

    /// <summary>The payload length a frame's 4-byte prefix declares.</summary>
    internal static uint ReadLength(ReadOnlySpan<byte> prefix) => BinaryPrimitives.ReadUInt32BigEndian(prefix);

    /// <summary>False for a declared payload larger than either side may send: the frame is refused unread.</summary>
    internal static bool IsWithinCap(uint declaredLength) => declaredLength <= MaxPayloadBytes;

    /// <summary>Request payload bytes before stdin: version, flags, the two u8-length names and the deadline.</summary>
    /// <param name="agent">ASCII agent name, at most 255 bytes.</param>
    /// <param name="hookEvent">ASCII event name, at most 255 bytes.</param>
    internal static int RequestHeaderBytes(string agent, string hookEvent) => 2 + 1 + agent.Length + 1 + hookEvent.Length + DeadlineBytes;

    /// <summary>
    /// Writes version, no flags, agent, event and a zero deadline after the length prefix of <paramref name="frame"/>;
    /// returns where stdin starts. <see cref="WriteDeadline"/> sets the deadline just before sending, and
    /// <see cref="SealRequest"/> completes the frame once stdin is in place.
    /// </summary>
    internal static int WriteRequestHeader(Span<byte> frame, string agent, string hookEvent)
    {
        frame[LengthPrefixBytes] = RequestVersion;
        frame[LengthPrefixBytes + 1] = 0;
        var position = WriteShortAscii(frame, LengthPrefixBytes + 2, agent);
        position = WriteShortAscii(frame, position, hookEvent);
        frame.Slice(position, DeadlineBytes).Clear();
        return position + DeadlineBytes;
    }

    /// <summary>
    /// Sets the deadline of a request whose stdin starts at <paramref name="stdinOffset"/>: what is left of the hook's
    /// budget, and how long it can wait for a person's answer (0: it cannot).
    /// </summary>
    internal static void WriteDeadline(Span<byte> frame, int stdinOffset, uint budgetMs, uint approvalWaitMs)
    {
        BinaryPrimitives.WriteUInt32BigEndian(frame[(stdinOffset - DeadlineBytes)..], budgetMs);
        BinaryPrimitives.WriteUInt32BigEndian(frame[(stdinOffset - 4)..], approvalWaitMs);
    }

    /// <summary>Sets the flags and the length prefix of a request that ends at the end of <paramref name="frame"/>.</summary>
    internal static void SealRequest(Span<byte> frame, bool stdinTruncated)
    {
        frame[LengthPrefixBytes + 1] = stdinTruncated ? FlagStdinTruncated : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(frame.Length - LengthPrefixBytes));
    }

    /// <summary>A whole request frame, length prefix included, from stdin already in memory.</summary>
    internal static byte[] EncodeRequest(string agent, string hookEvent, ReadOnlySpan<byte> stdin, bool stdinTruncated = false,
        uint budgetMs = 0, uint approvalWaitMs = 0)
    {
        var frame = new byte[LengthPrefixBytes + RequestHeaderBytes(agent, hookEvent) + stdin.Length];
        var stdinOffset = WriteRequestHeader(frame, agent, hookEvent);
        WriteDeadline(frame, stdinOffset, budgetMs, approvalWaitMs);
        stdin.CopyTo(frame.AsSpan(stdinOffset));
        SealRequest(frame, stdinTruncated);
        return frame;
    }

    /// <summary>Reads a request payload (after the length prefix); on failure says what is wrong with it.</summary>
    /// <param name="stdinOffset">Where stdin starts in <paramref name="payload"/>; it runs to the end.</param>
    /// <param name="deadline">The hook's deadline, as sent (the reader caps it); zero for a version 1 request.</param>
    internal static bool TryReadRequest(ReadOnlySpan<byte> payload, out string agent, out string hookEvent, out int stdinOffset, out bool stdinTruncated,
        out RequestDeadline deadline, out string problem)
    {
        agent = hookEvent = "";
        stdinOffset = 0;
        stdinTruncated = false;
        deadline = default;
        if (payload.Length < 4)
        {
            problem = "request frame shorter than its header";
            return false;
        }
        if (payload[0] is not (Version or RequestVersion))
        {
            problem = "request frame version " + payload[0] + ", expected " + Version + " or " + RequestVersion;
            return false;
        }
        var offset = 2;
        if (!TryReadShortAscii(payload, ref offset, out agent) || !TryReadShortAscii(payload, ref offset, out hookEvent))
        {
            problem = "request frame header is truncated";
            return false;
        }
        if (payload[0] == RequestVersion)
        {
            if (payload.Length - offset < DeadlineBytes)
            {
                problem = "request frame header is truncated";
                return false;
            }
            deadline = new RequestDeadline(BinaryPrimitives.ReadUInt32BigEndian(payload[offset..]), BinaryPrimitives.ReadUInt32BigEndian(payload[(offset + 4)..]));
            offset += DeadlineBytes;
        }
        stdinOffset = offset;
        stdinTruncated = (payload[1] & FlagStdinTruncated) != 0;
        problem = "";
        return true;
    }

    private static int WriteShortAscii(Span<byte> frame, int position, string text)
    {
        frame[position++] = (byte)text.Length;
        foreach (var c in text)
        {
            frame[position++] = (byte)c;
        }
        return position;
    }

    private static bool TryReadShortAscii(ReadOnlySpan<byte> payload, ref int offset, out string value)
    {
        value = "";
        if (offset >= payload.Length)
        {
            return false;
        }
        var length = payload[offset++];
        if (offset + length > payload.Length)
        {
            return false;
        }
        value = Encoding.ASCII.GetString(payload.Slice(offset, length));
        offset += length;
        return true;
    }
}

/// <summary>
/// The deadline a version 2 request carries, in milliseconds from when it was sent: what is left of the hook's budget
/// (<c>HOOKLINE_HOOK_TIMEOUT_MS</c>), and how long it can wait for a person's answer (0: it cannot).
/// </summary>
internal readonly record struct RequestDeadline(uint BudgetMs, uint ApprovalWaitMs);
