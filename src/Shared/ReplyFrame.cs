using System.Buffers.Binary;

namespace Hookline.Shared;

/// <summary>
/// The sidecar's answer, payload after the u32 BE length M:
/// u8 version = 1, u8 exit code, u32 BE stdout length + bytes, u32 BE stderr length + bytes. Nothing may follow.
/// The sidecar writes it with <see cref="Encode"/>; the hook (and <c>hookline status</c>) read it with <see cref="TryParse"/>.
/// </summary>
internal readonly struct ReplyFrame
{
    internal const byte Version = HookFrame.Version;

    /// <summary>version + exit code + two u32 lengths.</summary>
    internal const int MinPayloadBytes = 1 + 1 + 4 + 4;

    private readonly byte[] _payload;
    private readonly int _stdoutOffset;
    private readonly int _stdoutLength;
    private readonly int _stderrOffset;
    private readonly int _stderrLength;

    private ReplyFrame(byte[] payload, int stdoutOffset, int stdoutLength, int stderrOffset, int stderrLength)
    {
        _payload = payload;
        _stdoutOffset = stdoutOffset;
        _stdoutLength = stdoutLength;
        _stderrOffset = stderrOffset;
        _stderrLength = stderrLength;
    }

    internal byte ExitCode => _payload[1];

    internal ReadOnlySpan<byte> Stdout => _payload.AsSpan(_stdoutOffset, _stdoutLength);

    internal ReadOnlySpan<byte> Stderr => _payload.AsSpan(_stderrOffset, _stderrLength);

    /// <summary>A whole reply frame, length prefix included.</summary>
    internal static byte[] Encode(byte exitCode, ReadOnlySpan<byte> stdout, ReadOnlySpan<byte> stderr)
    {
        var payloadLength = MinPayloadBytes + stdout.Length + stderr.Length;
        var frame = new byte[HookFrame.LengthPrefixBytes + payloadLength];
        var span = frame.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)payloadLength);
        span[4] = Version;
        span[5] = exitCode;
        BinaryPrimitives.WriteUInt32BigEndian(span[6..], (uint)stdout.Length);
        stdout.CopyTo(span[10..]);
        var stderrAt = 10 + stdout.Length;
        BinaryPrimitives.WriteUInt32BigEndian(span[stderrAt..], (uint)stderr.Length);
        stderr.CopyTo(span[(stderrAt + 4)..]);
        return frame;
    }

    /// <summary>Validates a complete payload; on failure says what is wrong with it.</summary>
    internal static bool TryParse(byte[] payload, out ReplyFrame reply, out string problem)
    {
        reply = default;
        if (payload.Length < MinPayloadBytes)
        {
            problem = "reply of " + payload.Length + " bytes is shorter than its fixed fields";
            return false;
        }
        if (payload[0] != Version)
        {
            problem = "reply version " + payload[0] + ", expected " + Version;
            return false;
        }
        var position = 2;
        if (!TryReadSection(payload, ref position, out var stdoutOffset, out var stdoutLength)
            || !TryReadSection(payload, ref position, out var stderrOffset, out var stderrLength))
        {
            problem = "reply section lengths overrun the frame";
            return false;
        }
        if (position != payload.Length)
        {
            problem = "reply has " + (payload.Length - position) + " trailing bytes";
            return false;
        }
        reply = new ReplyFrame(payload, stdoutOffset, stdoutLength, stderrOffset, stderrLength);
        problem = "";
        return true;
    }

    private static bool TryReadSection(byte[] payload, ref int position, out int offset, out int length)
    {
        offset = position + 4;
        length = 0;
        if (payload.Length - position < 4)
        {
            return false;
        }
        var declared = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(position, 4));
        if (declared > (uint)(payload.Length - offset))
        {
            return false;
        }
        length = (int)declared;
        position = offset + length;
        return true;
    }
}
