using System.Buffers.Binary;
using System.Text;

namespace Hookline.Sidecar.Internal.Listening;

/// <summary>
/// The hook ⇄ sidecar frames. Request: u32 BE length, then version (1), flags (bit 0: stdin cut at the cap),
/// u8-prefixed agent, u8-prefixed event, and the raw stdin. Reply: u32 BE length, then version (1), exit code,
/// u32 BE-prefixed stdout and u32 BE-prefixed stderr.
/// </summary>
internal static class HookFrame
{
    public const byte Version = 1;
    public const int MaxFrameBytes = 10 * 1024 * 1024;
    public const byte FlagTruncated = 1;

    /// <summary>Decodes a request payload (after the length prefix). Returns null and a reason when it is malformed.</summary>
    public static HookRequest? TryDecodeRequest(ReadOnlyMemory<byte> payload, out string? error)
    {
        var span = payload.Span;
        error = null;
        if (span.Length < 4)
        {
            error = "request frame shorter than its header";
            return null;
        }
        if (span[0] != Version)
        {
            error = $"request frame version {span[0]}, expected {Version}";
            return null;
        }
        var flags = span[1];
        var offset = 2;
        if (!TryReadShortString(span, ref offset, out var agent) || !TryReadShortString(span, ref offset, out var hookEvent))
        {
            error = "request frame header is truncated";
            return null;
        }
        return new HookRequest(agent, hookEvent, payload[offset..], (flags & FlagTruncated) != 0);
    }

    private static bool TryReadShortString(ReadOnlySpan<byte> span, ref int offset, out string value)
    {
        value = "";
        if (offset >= span.Length)
        {
            return false;
        }
        var length = span[offset++];
        if (offset + length > span.Length)
        {
            return false;
        }
        value = Encoding.ASCII.GetString(span.Slice(offset, length));
        offset += length;
        return true;
    }

    /// <summary>Encodes a reply, length prefix included.</summary>
    public static byte[] EncodeReply(HookReply reply)
    {
        var stdout = reply.Stdout;
        var stderr = Encoding.UTF8.GetBytes(reply.Stderr);
        var payloadLength = 2 + 4 + stdout.Length + 4 + stderr.Length;
        var frame = new byte[4 + payloadLength];
        var span = frame.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)payloadLength);
        span[4] = Version;
        span[5] = reply.ExitCode;
        BinaryPrimitives.WriteUInt32BigEndian(span[6..], (uint)stdout.Length);
        stdout.Span.CopyTo(span[10..]);
        var stderrAt = 10 + stdout.Length;
        BinaryPrimitives.WriteUInt32BigEndian(span[stderrAt..], (uint)stderr.Length);
        stderr.CopyTo(span[(stderrAt + 4)..]);
        return frame;
    }
}

/// <summary>One hook invocation as the sidecar received it.</summary>
internal sealed record HookRequest(string Agent, string Event, ReadOnlyMemory<byte> Stdin, bool StdinTruncated);

/// <summary>What the hook process prints and exits with, already in the agent's native shape.</summary>
internal sealed record HookReply(byte ExitCode, ReadOnlyMemory<byte> Stdout, string Stderr)
{
    public static readonly HookReply Empty = new(0, ReadOnlyMemory<byte>.Empty, "");
}
