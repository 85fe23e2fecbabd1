using System.Net.Sockets;
using Hookline.Sidecar.Internal.Listening;
using Hookline.Sidecar.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// The hook socket's read timeout (10 s from the accept) is armed only when a read has to wait: a frame already in the
/// socket is read without a timer (each armed timer wakes the timer thread), and a connection that stalls inside its
/// frame is still dropped once the timeout passes. Real socket, a fake clock.
/// </summary>
public sealed class ReadTimeoutTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed class AllowingHandler : IHookHandler
    {
        public SidecarFailMode FailMode => SidecarFailMode.Closed;

        public ValueTask<HookReply> HandleAsync(HookRequest request, long readAt) => ValueTask.FromResult(HookReply.Empty);
    }

    /// <summary>A fake clock that counts the timers armed (created or changed with a finite due time).</summary>
    private sealed class CountingTime : TimeProvider
    {
        private int _armed;

        public FakeTimeProvider Fake { get; } = new(DateTimeOffset.UtcNow);

        public int Armed => Volatile.Read(ref _armed);

        public override long GetTimestamp() => Fake.GetTimestamp();

        public override long TimestampFrequency => Fake.TimestampFrequency;

        public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Count(dueTime);
            return new CountedTimer(Fake.CreateTimer(callback, state, dueTime, period), this);
        }

        private void Count(TimeSpan dueTime)
        {
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                Interlocked.Increment(ref _armed);
            }
        }

        private sealed class CountedTimer(ITimer timer, CountingTime owner) : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                owner.Count(dueTime);
                return timer.Change(dueTime, period);
            }

            public void Dispose() => timer.Dispose();

            public ValueTask DisposeAsync() => timer.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_frame_already_in_the_socket_is_answered_without_arming_a_timer()
    {
        var time = new CountingTime();
        await using var listener = new HookSocketListener(_dir.File("run/hook.sock"), new AllowingHandler(), time, NullLogger.Instance);
        // Connected and sent before the listener accepts: the whole frame waits in the socket, as it usually does.
        var reply = HookClient.SendAsync(listener.Path, "claude", "pre-tool-use", HookClient.Bash("ls"));
        await Eventually.TrueAsync(() => File.Exists(listener.Path), "the socket file");
        listener.Start();

        Assert.Equal(0, (await reply.WaitAsync(Bound.Hang)).ExitCode);
        Assert.Equal(0, time.Armed);
    }

    [Fact]
    public async Task A_connection_that_stalls_inside_its_frame_is_dropped_once_the_read_timeout_passes()
    {
        var time = new CountingTime();
        await using var listener = new HookSocketListener(_dir.File("run/hook.sock"), new AllowingHandler(), time, NullLogger.Instance);
        listener.Start();
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(new UnixDomainSocketEndPoint(listener.Path));
        // Half a length prefix, then nothing.
        await client.SendAsync(new byte[] { 0, 0 }, SocketFlags.None);
        var closed = client.ReceiveAsync(new byte[16], SocketFlags.None);

        // The fake clock moves a second at a time until the listener gives up on the connection.
        await Eventually.TrueAsync(() =>
        {
            time.Fake.Advance(TimeSpan.FromSeconds(1));
            return closed.IsCompleted;
        }, "the stalled connection closed by the read timeout");

        Assert.Equal(0, await closed);
        Assert.True(time.Armed > 0, "the read timeout was armed for the read that had to wait");
        Assert.True(time.Fake.GetUtcNow() - time.Fake.Start >= TimeSpan.FromSeconds(10), "closed before 10 s had passed");
    }
}
