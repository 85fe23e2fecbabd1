using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Hookline.Shared;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// A hook that can wait for a person, in-process: one version 2 request frame (with its deadline) over the sidecar's
/// Unix socket, then every interim reply and the final one, as the real hook reads them.
/// </summary>
internal static class ApprovalClient
{
    public sealed record Interim(uint WaitMs, string Message);

    public sealed record Exchange(IReadOnlyList<Interim> Interims, HookClient.Reply Final);

    /// <summary>Sends a version 2 frame; <paramref name="interimSeen"/> completes when the first interim reply arrives.</summary>
    public static async Task<Exchange> SendAsync(string socketPath, string agent, string hookEvent, string stdin,
        uint approvalWaitMs = 60_000, TaskCompletionSource? interimSeen = null)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        await socket.SendAsync(HookFrame.EncodeRequest(agent, hookEvent, Encoding.UTF8.GetBytes(stdin), budgetMs: 5000, approvalWaitMs: approvalWaitMs), SocketFlags.None);
        await using var stream = new NetworkStream(socket);
        var interims = new List<Interim>();
        using var bound = new CancellationTokenSource(Bound.Hang);
        while (true)
        {
            var header = new byte[4];
            await stream.ReadExactlyAsync(header, bound.Token);
            var body = new byte[BinaryPrimitives.ReadUInt32BigEndian(header)];
            await stream.ReadExactlyAsync(body, bound.Token);
            if (ReplyFrame.IsInterim(body))
            {
                Assert.True(ReplyFrame.TryParseInterim(body, out var waitMs, out var message, out var problem), problem);
                interims.Add(new Interim(waitMs, Encoding.UTF8.GetString(message)));
                interimSeen?.TrySetResult();
                continue;
            }
            Assert.True(ReplyFrame.TryParse(body, out var reply, out var malformed), malformed);
            return new Exchange(interims, new HookClient.Reply(reply.ExitCode, Encoding.UTF8.GetString(reply.Stdout), Encoding.UTF8.GetString(reply.Stderr)));
        }
    }
}
