using System.Buffers.Binary;

namespace Hookline.Shared;

/// <summary>
/// The sidecar's answer, payload after the u32 BE length M:
/// u8 version = 1, u8 exit code, u32 BE stdout length + bytes, u32 BE stderr length + bytes. Nothing may follow.
/// The sidecar writes it with <see cref="Encode"/>; the hook (and <c>hookline status</c>) read it with <see cref="TryParse"/>.
/// Before it, on the same connection, may come interim replies (a call waits for a person's approval):
/// u8 version = 2, u32 BE wait_ms, u32 BE message length + UTF-8 message. Nothing may follow either.
/// </summary>
internal readonly struct ReplyFrame
{
    internal const byte Version = HookFrame.Version;

    /// <summary>The version byte of an interim reply (<see cref="EncodeInterim"/>).</summary>
    internal const byte InterimVersion = 2;

    /// <summary>version + wait_ms + the message's u32 length.</summary>
    internal const int MinInterimPayloadBytes = 1 + 4 + 4;

    /// <summary>The longest interim message either side takes: it is one line for a person, not a payload.</summary>
    internal const int MaxInterimMessageBytes = 1024;

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

    /// <summary>
    /// A whole interim reply frame, length prefix included: the call waits for a person, the hook should wait
    /// <paramref name="waitMs"/> from now for the final reply. The message is cut at <see cref="MaxInterimMessageBytes"/>.
    /// </summary>
    internal static byte[] EncodeInterim(uint waitMs, string message)
    {
        var text = System.Text.Encoding.UTF8.GetBytes(message);
        var length = Math.Min(text.Length, MaxInterimMessageBytes);
        var frame = new byte[HookFrame.LengthPrefixBytes + MinInterimPayloadBytes + length];
        var span = frame.AsSpan();
        BinaryPrimitives.WriteUInt32BigEndian(span, (uint)(MinInterimPayloadBytes + length));
        span[4] = InterimVersion;
        BinaryPrimitives.WriteUInt32BigEndian(span[5..], waitMs);
        BinaryPrimitives.WriteUInt32BigEndian(span[9..], (uint)length);
        text.AsSpan(0, length).CopyTo(span[13..]);
        return frame;
    }

    /// <summary>Whether a complete payload is an interim reply (then read it with <see cref="TryParseInterim"/>).</summary>
    internal static bool IsInterim(byte[] payload) => payload.Length > 0 && payload[0] == InterimVersion;

    /// <summary>Validates a complete interim payload; on failure says what is wrong with it.</summary>
    /// <param name="message">The UTF-8 bytes of the message, as sent (not yet made printable).</param>
    internal static bool TryParseInterim(byte[] payload, out uint waitMs, out ReadOnlySpan<byte> message, out string problem)
    {
        waitMs = 0;
        message = default;
        if (HeaderProblem(payload, MinInterimPayloadBytes, InterimVersion, "interim reply") is { } header)
        {
            problem = header;
            return false;
        }
        var position = 5;
        if (!TryReadSection(payload, ref position, out var offset, out var length))
        {
            problem = "interim reply message length overruns the frame";
            return false;
        }
        if (TrailingProblem(payload, position, "interim reply") is { } trailing)
        {
            problem = trailing;
            return false;
        }
        if (length > MaxInterimMessageBytes)
        {
            problem = "interim reply message of " + length + " bytes is over the " + MaxInterimMessageBytes + "-byte cap";
            return false;
        }
        waitMs = BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan(1, 4));
        message = payload.AsSpan(offset, length);
        problem = "";
        return true;
    }

    /// <summary>Validates a complete payload; on failure says what is wrong with it.</summary>
    internal static bool TryParse(byte[] payload, out ReplyFrame reply, out string problem)
    {
        reply = default;
        if (HeaderProblem(payload, MinPayloadBytes, Version, "reply") is { } header)
        {
            problem = header;
            return false;
        }
        var position = 2;
        if (!TryReadSection(payload, ref position, out var stdoutOffset, out var stdoutLength)
            || !TryReadSection(payload, ref position, out var stderrOffset, out var stderrLength))
        {
            problem = "reply section lengths overrun the frame";
            return false;
        }
        if (TrailingProblem(payload, position, "reply") is { } trailing)
        {
            problem = trailing;
            return false;
        }
        reply = new ReplyFrame(payload, stdoutOffset, stdoutLength, stderrOffset, stderrLength);
        problem = "";
        return true;
    }

    /// <summary>What is wrong with a payload's fixed fields (too short, another version), or null.</summary>
    private static string? HeaderProblem(byte[] payload, int minBytes, byte version, string what)
    {
        if (payload.Length < minBytes)
        {
            return what + " of " + payload.Length + " bytes is shorter than its fixed fields";
        }
        return payload[0] == version ? null : what + " version " + payload[0] + ", expected " + version;
    }

    /// <summary>Nothing may follow a reply's last section.</summary>
    private static string? TrailingProblem(byte[] payload, int position, string what)
        => position == payload.Length ? null : what + " has " + (payload.Length - position) + " trailing bytes";

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
