using System.Net.Sockets;
using Hookline.Sidecar.Internal;
using Hookline.Sidecar.Internal.Listening;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// The accept thread reads a frame that is "already in the socket" with blocking receives. A byte
/// the socket counts as available but a plain receive does not return (an out-of-band byte on a Unix stream socket)
/// leaves that thread blocked, and no later hook is accepted.
/// </summary>
public sealed class OutOfBandByteTests : IDisposable
{
    private static readonly byte[] PlainPart = [0, 0, 0, 8, 1, 2, 3, 4, 5, 6, 7];
    private static readonly byte[] OutOfBandByte = [8];
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed class AllowingHandler : IHookHandler
    {
        public SidecarFailMode FailMode => SidecarFailMode.Closed;

        public ValueTask<HookReply> HandleAsync(HookRequest request, long readAt) => ValueTask.FromResult(HookReply.Empty);
    }

    [Fact]
    public async Task A_connection_whose_frame_ends_in_an_out_of_band_byte_does_not_stop_the_next_hook()
    {
        await using var listener = new HookSocketListener(_dir.File("run/hook.sock"), new AllowingHandler(), TimeProvider.System, NullLogger.Instance);
        using var stall = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await stall.ConnectAsync(new UnixDomainSocketEndPoint(listener.Path));
        // A frame of 8 bytes: 7 plain, the last sent out of band; all of it in the socket before the listener accepts.
        stall.Send(PlainPart);
        stall.Send(OutOfBandByte, SocketFlags.OutOfBand);
        // Accepted first: it waits in the backlog before the hook below connects.
        listener.Start();

        var reply = HookClient.SendAsync(listener.Path, "claude", "pre-tool-use", HookClient.Bash("ls"));
        Assert.Equal(0, (await reply.WaitAsync(TimeSpan.FromSeconds(5))).ExitCode);
    }
}
