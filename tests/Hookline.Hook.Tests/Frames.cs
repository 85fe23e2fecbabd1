using System.Buffers.Binary;
using System.Text;

namespace Hookline.Hook.Tests;

/// <summary>The frame layouts, written out independently of the hook's code, as the sidecar would see them.</summary>
internal static class Frames
{
    internal const int Cap = 10 * 1024 * 1024;

    /// <summary>Request payload: version 1, flags, u8-length agent, u8-length event, raw stdin.</summary>
    internal static byte[] RequestPayload(string agent, string hookEvent, byte flags, byte[] stdin)
    {
        var payload = new List<byte> { 1, flags, (byte)agent.Length };
        payload.AddRange(Encoding.ASCII.GetBytes(agent));
        payload.Add((byte)hookEvent.Length);
        payload.AddRange(Encoding.ASCII.GetBytes(hookEvent));
        payload.AddRange(stdin);
        return payload.ToArray();
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
