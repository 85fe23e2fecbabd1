using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Hookline.Reliability.Tests;

/// <summary>Raw frames on a sidecar's hook socket, without the hook process: for bad frames and for a burst at once.</summary>
internal static class HookSocket
{
    public static async Task<byte[]> ExchangeAsync(string socketPath, byte[] bytes, bool closeAfterSend = false)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        using var stream = new NetworkStream(socket);
        await socket.SendAsync(bytes, SocketFlags.None);
        if (closeAfterSend)
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        using var reply = new MemoryStream();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stream.CopyToAsync(reply, timeout.Token);
        return reply.ToArray();
    }

    public static byte[] Frame(byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>A well-formed request frame, as the hook builds it.</summary>
    public static byte[] Request(string agent, string hookEvent, string stdin) => Request(agent, hookEvent, Encoding.UTF8.GetBytes(stdin));

    /// <summary>The same with stdin as given, byte for byte.</summary>
    public static byte[] Request(string agent, string hookEvent, byte[] stdin) =>
        Frame([1, 0, (byte)agent.Length, .. Encoding.ASCII.GetBytes(agent), (byte)hookEvent.Length, .. Encoding.ASCII.GetBytes(hookEvent), .. stdin]);

    /// <summary>A reply frame's exit code, stdout and stderr; exit -1 for no reply.</summary>
    public static (int Exit, string Stdout, string Stderr) Parse(byte[] reply)
    {
        if (reply.Length < 14)
        {
            return (-1, "", "");
        }
        var stdoutLength = (int)BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(6));
        return (reply[5], Encoding.UTF8.GetString(reply, 10, stdoutLength), Encoding.UTF8.GetString(reply.AsSpan(14 + stdoutLength)));
    }

    /// <summary>permissionDecision of a Claude answer, or null for no answer.</summary>
    public static string? PermissionDecision(string stdout) => stdout.Length == 0
        ? null
        : JsonDocument.Parse(stdout).RootElement.GetProperty("hookSpecificOutput").GetProperty("permissionDecision").GetString();
}
