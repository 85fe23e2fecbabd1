using System.Buffers.Binary;
using System.Net.Sockets;
using Hookline.Shared;

namespace Hookline.LoadTool.Fixtures;

/// <summary>What the hook binary does, in-process: one request frame over the sidecar's Unix socket, one reply frame back.</summary>
internal static class SocketHookClient
{
    public static byte[] RequestFrame(string agent, string hookEvent, byte[] stdin) => HookFrame.EncodeRequest(agent, hookEvent, stdin);

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
