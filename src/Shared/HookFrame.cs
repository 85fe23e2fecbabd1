using System.Buffers.Binary;
using System.Text;

namespace Hookline.Shared;

/// <summary>
/// The hook ⇄ sidecar frame codec, linked as source into the hook and the sidecar so both sides read and write one
/// layout. Every frame is a u32 BE length N (at most <see cref="MaxPayloadBytes"/>), then N bytes of payload.
/// Request payload: version (1), flags (bit 0: stdin cut at the cap), u8-length agent, u8-length event, raw stdin.
/// The reply is <see cref="ReplyFrame"/>. No interpolated strings here: the hook is Native AOT and kept small.
/// </summary>
internal static class HookFrame
{
    internal const byte Version = 1;
    internal const byte FlagStdinTruncated = 1;
    internal const int LengthPrefixBytes = 4;

    /// <summary>Largest N (the payload after the 4-byte length) either side may send.</summary>
    internal const int MaxPayloadBytes = 10 * 1024 * 1024;

    /// <summary>The payload length a frame's 4-byte prefix declares.</summary>
    internal static uint ReadLength(ReadOnlySpan<byte> prefix) => BinaryPrimitives.ReadUInt32BigEndian(prefix);

    /// <summary>False for a declared payload larger than either side may send: the frame is refused unread.</summary>
    internal static bool IsWithinCap(uint declaredLength) => declaredLength <= MaxPayloadBytes;

    /// <summary>Request payload bytes before stdin: version, flags and the two u8-length names.</summary>
    /// <param name="agent">ASCII agent name, at most 255 bytes.</param>
    /// <param name="hookEvent">ASCII event name, at most 255 bytes.</param>
    internal static int RequestHeaderBytes(string agent, string hookEvent) => 2 + 1 + agent.Length + 1 + hookEvent.Length;

    /// <summary>
    /// Writes version, no flags, agent and event after the length prefix of <paramref name="frame"/>; returns where
    /// stdin starts. <see cref="SealRequest"/> completes the frame once stdin is in place.
    /// </summary>
    internal static int WriteRequestHeader(Span<byte> frame, string agent, string hookEvent)
    {
        frame[LengthPrefixBytes] = Version;
        frame[LengthPrefixBytes + 1] = 0;
        var position = WriteShortAscii(frame, LengthPrefixBytes + 2, agent);
        return WriteShortAscii(frame, position, hookEvent);
    }

    /// <summary>Sets the flags and the length prefix of a request that ends at the end of <paramref name="frame"/>.</summary>
    internal static void SealRequest(Span<byte> frame, bool stdinTruncated)
    {
        frame[LengthPrefixBytes + 1] = stdinTruncated ? FlagStdinTruncated : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)(frame.Length - LengthPrefixBytes));
    }

    /// <summary>A whole request frame, length prefix included, from stdin already in memory.</summary>
    internal static byte[] EncodeRequest(string agent, string hookEvent, ReadOnlySpan<byte> stdin, bool stdinTruncated = false)
    {
        var frame = new byte[LengthPrefixBytes + RequestHeaderBytes(agent, hookEvent) + stdin.Length];
        var stdinOffset = WriteRequestHeader(frame, agent, hookEvent);
        stdin.CopyTo(frame.AsSpan(stdinOffset));
        SealRequest(frame, stdinTruncated);
        return frame;
    }

    /// <summary>Reads a request payload (after the length prefix); on failure says what is wrong with it.</summary>
    /// <param name="stdinOffset">Where stdin starts in <paramref name="payload"/>; it runs to the end.</param>
    internal static bool TryReadRequest(ReadOnlySpan<byte> payload, out string agent, out string hookEvent, out int stdinOffset, out bool stdinTruncated, out string problem)
    {
        agent = hookEvent = "";
        stdinOffset = 0;
        stdinTruncated = false;
        if (payload.Length < 4)
        {
            problem = "request frame shorter than its header";
            return false;
        }
        if (payload[0] != Version)
        {
            problem = "request frame version " + payload[0] + ", expected " + Version;
            return false;
        }
        var offset = 2;
        if (!TryReadShortAscii(payload, ref offset, out agent) || !TryReadShortAscii(payload, ref offset, out hookEvent))
        {
            problem = "request frame header is truncated";
            return false;
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
