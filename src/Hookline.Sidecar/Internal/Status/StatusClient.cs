using System.Net.Sockets;
using System.Text;
using Hookline.Shared;
using Hookline.Sidecar.Internal.Decisions;

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
        // An empty agent and the status event: a request no agent can send (agents have names).
        var frame = HookFrame.EncodeRequest("", name, []);
        await socket.SendAsync(frame, SocketFlags.None, cts.Token).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var header = new byte[HookFrame.LengthPrefixBytes];
        await stream.ReadExactlyAsync(header, cts.Token).ConfigureAwait(false);
        var length = HookFrame.ReadLength(header);
        if (length < ReplyFrame.MinPayloadBytes || !HookFrame.IsWithinCap(length))
        {
            throw new IOException($"the sidecar sent a reply frame of {length} bytes");
        }
        var body = new byte[length];
        await stream.ReadExactlyAsync(body, cts.Token).ConfigureAwait(false);
        if (!ReplyFrame.TryParse(body, out var reply, out var problem))
        {
            throw new IOException("the sidecar sent a malformed reply: " + problem);
        }
        if (reply.Stdout.IsEmpty)
        {
            throw new IOException("the sidecar gave no status (is it an older version?)");
        }
        return Encoding.UTF8.GetString(reply.Stdout);
    }
}
