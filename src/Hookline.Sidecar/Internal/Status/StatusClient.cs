using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Hookline.Sidecar.Internal.Decisions;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Internal.Status;

/// <summary>Asks a running sidecar for its status over its hook socket: one status frame, one reply.</summary>
internal static class StatusClient
{
    public static async Task<string> QueryAsync(string socketPath, bool json, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cts.Token).ConfigureAwait(false);
        var name = json ? HookProcessor.StatusJsonEvent : HookProcessor.StatusEvent;
        // version, flags, empty agent, the event name: a request no agent can send (agents have names).
        var payload = new byte[4 + name.Length];
        payload[0] = HookFrame.Version;
        payload[3] = (byte)name.Length;
        Encoding.ASCII.GetBytes(name, payload.AsSpan(4));
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame, 4);
        await socket.SendAsync(frame, SocketFlags.None, cts.Token).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var header = new byte[4];
        await stream.ReadExactlyAsync(header, cts.Token).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (length is < 10 or > HookFrame.MaxFrameBytes)
        {
            throw new IOException($"the sidecar sent a reply frame of {length} bytes");
        }
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, cts.Token).ConfigureAwait(false);
        var stdoutLength = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(2));
        if (stdoutLength == 0)
        {
            throw new IOException("the sidecar gave no status (is it an older version?)");
        }
        return Encoding.UTF8.GetString(body, 6, stdoutLength);
    }
}
