using System.Buffers.Binary;

namespace Hookline.Hook.Internal;

/// <summary>
/// The request the hook sends: u32 BE length N, then version, flags, agent, event and the raw stdin bytes.
/// Built in one buffer with stdin read straight into its tail, so sending needs no second copy of the payload.
/// </summary>
internal sealed class RequestFrame
{
    internal const byte Version = 1;
    internal const byte FlagStdinTruncated = 1;

    /// <summary>Largest N (the payload after the 4-byte length) either side may send.</summary>
    internal const int MaxPayloadBytes = 10 * 1024 * 1024;

    private const int LengthPrefixBytes = 4;
    private const int InitialStdinCapacity = 16 * 1024;

    private RequestFrame(byte[] buffer, int length, int stdinOffset, bool stdinTruncated)
    {
        Buffer = buffer;
        Length = length;
        StdinOffset = stdinOffset;
        StdinTruncated = stdinTruncated;
    }

    /// <summary>The whole frame, length prefix included, in <c>Buffer[0..Length]</c>.</summary>
    internal byte[] Buffer { get; }

    internal int Length { get; }

    private int StdinOffset { get; }

    internal bool StdinTruncated { get; }

    /// <summary>The stdin bytes that were forwarded (after any cut at the cap).</summary>
    internal ReadOnlySpan<byte> Stdin => Buffer.AsSpan(StdinOffset, Length - StdinOffset);

    /// <summary>The frame bytes to put on the socket.</summary>
    internal ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, Length);

    /// <summary>Reads all of stdin (cut at the cap, the rest drained) into a new frame.</summary>
    /// <param name="agent">ASCII agent name, at most 255 bytes.</param>
    /// <param name="hookEvent">ASCII event name, at most 255 bytes.</param>
    internal static RequestFrame ReadFromStdin(string agent, string hookEvent)
    {
        var headerBytes = 2 + 1 + agent.Length + 1 + hookEvent.Length;
        var stdinOffset = LengthPrefixBytes + headerBytes;
        var maxStdinBytes = MaxPayloadBytes - headerBytes;

        var buffer = new byte[stdinOffset + InitialStdinCapacity];
        buffer[LengthPrefixBytes] = Version;
        var position = LengthPrefixBytes + 2;
        position = WriteShortAscii(buffer, position, agent);
        WriteShortAscii(buffer, position, hookEvent);

        var stdinLength = StdinReader.ReadUpTo(ref buffer, stdinOffset, maxStdinBytes, out var truncated);
        var length = stdinOffset + stdinLength;
        buffer[LengthPrefixBytes + 1] = truncated ? FlagStdinTruncated : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(buffer, (uint)(length - LengthPrefixBytes));
        return new RequestFrame(buffer, length, stdinOffset, truncated);
    }

    private static int WriteShortAscii(byte[] buffer, int position, string text)
    {
        buffer[position++] = (byte)text.Length;
        foreach (var c in text)
        {
            buffer[position++] = (byte)c;
        }
        return position;
    }
}
