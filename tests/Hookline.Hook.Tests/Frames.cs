using System.Buffers.Binary;
using System.Text;

namespace Hookline.Hook.Tests;

/// <summary>The frame layouts, written out independently of the hook's code, as the sidecar would see them.</summary>
internal static class Frames
{
    internal const int Cap = 10 * 1024 * 1024;

    /// <summary>
    /// Request payload: version 2, flags, u8-length agent, u8-length event, u32 BE budget_ms, u32 BE approval_wait_ms,
    /// raw stdin; the deadline zero, as <see cref="WithoutDeadline"/> leaves a request the hook sent.
    /// </summary>
    internal static byte[] RequestPayload(string agent, string hookEvent, byte flags, byte[] stdin)
    {
        var payload = new List<byte> { 2, flags, (byte)agent.Length };
        payload.AddRange(Encoding.ASCII.GetBytes(agent));
        payload.Add((byte)hookEvent.Length);
        payload.AddRange(Encoding.ASCII.GetBytes(hookEvent));
        payload.AddRange(new byte[8]);
        payload.AddRange(stdin);
        return payload.ToArray();
    }

    /// <summary>Where a version 2 request's deadline starts: after version, flags and the two names.</summary>
    internal static int DeadlineOffset(byte[] request) => 3 + request[2] + 1 + request[3 + request[2]];

    /// <summary>budget_ms and approval_wait_ms of a request the hook sent.</summary>
    internal static (uint BudgetMs, uint ApprovalWaitMs) Deadline(byte[] request)
    {
        var at = DeadlineOffset(request);
        return (BinaryPrimitives.ReadUInt32BigEndian(request.AsSpan(at)), BinaryPrimitives.ReadUInt32BigEndian(request.AsSpan(at + 4)));
    }

    /// <summary>A copy of a request the hook sent with its deadline (which depends on time) zeroed, to compare bytes.</summary>
    internal static byte[] WithoutDeadline(byte[] request)
    {
        var copy = request.ToArray();
        copy.AsSpan(DeadlineOffset(copy), 8).Clear();
        return copy;
    }

    /// <summary>A whole interim reply frame: u32 BE length, then version 2, u32 BE wait_ms, u32 BE + message.</summary>
    internal static byte[] Interim(uint waitMs, string message, uint? declaredMessageLength = null)
    {
        var text = Encoding.UTF8.GetBytes(message);
        var payload = new byte[9 + text.Length];
        payload[0] = 2;
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(1), waitMs);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(5), declaredMessageLength ?? (uint)text.Length);
        text.CopyTo(payload, 9);
        return WithLength(payload);
    }

    /// <summary>A whole reply frame: u32 BE length, then version, exit code, u32 BE + stdout, u32 BE + stderr.</summary>
    internal static byte[] Reply(byte exitCode, byte[] stdout, byte[] stderr, byte version = 1)
    {
        var payload = new byte[1 + 1 + 4 + stdout.Length + 4 + stderr.Length];
        payload[0] = version;
        payload[1] = exitCode;
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(2), (uint)stdout.Length);
        stdout.CopyTo(payload, 6);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(6 + stdout.Length), (uint)stderr.Length);
        stderr.CopyTo(payload, 10 + stdout.Length);
        return WithLength(payload);
    }

    internal static byte[] WithLength(byte[] payload, uint? declaredLength = null)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, declaredLength ?? (uint)payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>64-bit FNV-1a, as documented for payload_fnv1a64.</summary>
    internal static ulong Fnv1a64(byte[] bytes)
    {
        var hash = 0xcbf29ce484222325UL;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * 0x100000001b3UL;
        }
        return hash;
    }
}
