using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Hookline.LoadTool.Fixtures;

/// <summary>What the hook binary does, in-process: one request frame over the sidecar's Unix socket, one reply frame back.</summary>
internal static class SocketHookClient
{
    public static byte[] RequestFrame(string agent, string hookEvent, byte[] stdin)
    {
        var agentBytes = Encoding.ASCII.GetBytes(agent);
        var eventBytes = Encoding.ASCII.GetBytes(hookEvent);
        var payloadLength = 2 + 1 + agentBytes.Length + 1 + eventBytes.Length + stdin.Length;
        var frame = new byte[4 + payloadLength];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payloadLength);
        frame[4] = 1;
        frame[5] = 0;
        var at = 6;
        frame[at++] = (byte)agentBytes.Length;
        agentBytes.CopyTo(frame, at);
        at += agentBytes.Length;
        frame[at++] = (byte)eventBytes.Length;
        eventBytes.CopyTo(frame, at);
        at += eventBytes.Length;
        stdin.CopyTo(frame, at);
        return frame;
    }

    /// <summary>Sends one frame and returns the hook's exit code from the reply.</summary>
    public static async Task<int> SendAsync(string socketPath, byte[] frame)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        await socket.SendAsync(frame, SocketFlags.None);
        await using var stream = new NetworkStream(socket);
        var header = new byte[4];
        await stream.ReadExactlyAsync(header);
        var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
        await stream.ReadExactlyAsync(body);
        return body[1];
    }
}
