using System.Threading.Channels;
using Grpc.Core;
using Hookline.Core;

namespace Hookline.Server.Tests;

/// <summary>
/// The one writer of a stream, used by the server's response stream and the sidecar's request stream: one write at a
/// time in queue order, bursts flushed once, a bounded queue, and a failed write that ends the stream.
/// </summary>
public sealed class SingleStreamWriterTests
{
    [Fact]
    public Task Messages_from_many_threads_are_written_one_at_a_time_each_threads_in_its_order()
        => SendFromEightThreadsAsync(synchronous: false, (writer, message, cancellationToken) => writer.SendAsync(message, cancellationToken));

    [Fact]
    public async Task A_burst_is_buffered_and_flushed_with_its_last_message()
    {
        var writer = new SingleStreamWriter<int>();
        var stream = new RecordingStream<int>();
        using var cts = new CancellationTokenSource(Bound.Hang);
        for (var i = 0; i < 5; i++)
        {
            Assert.True(writer.TrySend(i));
        }
        writer.Complete();

        await writer.RunAsync(stream, cts).WaitAsync(Bound.Hang);

        Assert.Equal([0, 1, 2, 3, 4], stream.Written.Select(w => w.Message));
        Assert.Equal([true, true, true, true, false], stream.Written.Select(w => w.Buffered));
    }

    [Fact]
    public async Task A_peer_that_does_not_read_stops_the_queue_at_its_bound()
    {
        var writer = new SingleStreamWriter<int>(capacity: 4);
        var peerReads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = new RecordingStream<int> { BeforeWrite = _ => peerReads.Task };
        using var cts = new CancellationTokenSource(Bound.Hang);
        var loop = writer.RunAsync(stream, cts);
        Assert.True(writer.TrySend(0));
        await stream.FirstWriteStarted.Task.WaitAsync(Bound.Hang);

        // Message 0 is stuck in the write; the queue holds four more and no more.
        Assert.All(Enumerable.Range(1, 4), i => Assert.True(writer.TrySend(i)));
        Assert.False(writer.TrySend(99));
        var waiting = writer.SendAsync(5, cts.Token).AsTask();
        Assert.False(waiting.IsCompleted);

        peerReads.SetResult();
        await waiting.WaitAsync(Bound.Hang);
        writer.Complete();
        await loop.WaitAsync(Bound.Hang);

        Assert.Equal([0, 1, 2, 3, 4, 5], stream.Written.Select(w => w.Message));
    }

    [Fact]
    public async Task A_failed_write_ends_the_stream_and_every_later_send_fails_at_once()
    {
        var writer = new SingleStreamWriter<int>();
        var stream = new RecordingStream<int> { BeforeWrite = _ => Task.FromException(new IOException("peer gone")) };
        using var cts = new CancellationTokenSource();
        var loop = writer.RunAsync(stream, cts);

        Assert.True(writer.TrySend(1));

        var failure = await Assert.ThrowsAsync<IOException>(() => loop.WaitAsync(Bound.Hang));
        Assert.Equal("peer gone", failure.Message);
        Assert.True(cts.IsCancellationRequested, "the stream's read side must come down too");
        Assert.False(writer.TrySend(2));
        var refused = await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => writer.SendAsync(3, CancellationToken.None).AsTask().WaitAsync(Bound.Hang));
        Assert.Same(failure, refused.InnerException);
        Assert.Empty(stream.Written);
    }

    [Fact]
    public async Task A_write_failing_after_the_handler_disposed_its_stream_reports_the_write_error_and_refuses_later_sends()
    {
        var writer = new SingleStreamWriter<int>();
        var release = new TaskCompletionSource();
        var stream = new RecordingStream<int> { BeforeWrite = async _ => { await release.Task; throw new IOException("peer gone"); } };
        var cts = new CancellationTokenSource();
        var loop = writer.RunAsync(stream, cts);
        Assert.True(writer.TrySend(1));

        // The handler ended on an error path without awaiting the loop, and disposed its stream's token source.
        cts.Dispose();
        release.SetResult();

        var failure = await Assert.ThrowsAsync<IOException>(() => loop.WaitAsync(Bound.Hang));
        Assert.Equal("peer gone", failure.Message);
        Assert.False(writer.TrySend(2));
    }

    [Fact]
    public async Task A_cancelled_stream_ends_the_loop_and_later_sends_fail_at_once()
    {
        var writer = new SingleStreamWriter<int>();
        var stream = new RecordingStream<int>();
        using var cts = new CancellationTokenSource();
        var loop = writer.RunAsync(stream, cts);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop.WaitAsync(Bound.Hang));
        Assert.False(writer.TrySend(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => writer.SendAsync(2, CancellationToken.None).AsTask().WaitAsync(Bound.Hang));
        Assert.Empty(stream.Written);
    }

    [Fact]
    public async Task Complete_writes_what_is_queued_then_refuses_more()
    {
        var writer = new SingleStreamWriter<int>();
        var stream = new RecordingStream<int>();
        using var cts = new CancellationTokenSource(Bound.Hang);
        Assert.True(writer.TrySend(1));
        Assert.True(writer.TrySend(2));

        writer.Complete();

        Assert.False(writer.TrySend(3));
        await Assert.ThrowsAsync<ChannelClosedException>(() => writer.SendAsync(4, cts.Token).AsTask());
        await writer.RunAsync(stream, cts).WaitAsync(Bound.Hang);
        Assert.Equal([1, 2], stream.Written.Select(w => w.Message));
        Assert.False(cts.IsCancellationRequested);
    }

    [Fact]
    public async Task A_sender_finding_the_stream_idle_writes_its_message_itself_flushed()
    {
        var writer = new SingleStreamWriter<int>();
        var stream = new RecordingStream<int> { Synchronous = true };
        using var cts = new CancellationTokenSource(Bound.Hang);
        Assert.False(writer.TryWriteNow(0), "nothing is written before the loop has started");
        var loop = writer.RunAsync(stream, cts);

        Assert.True(writer.TryWriteNow(1));

        // Written before TryWriteNow returned, on this thread: the loop was not woken for it.
        Assert.Equal([(1, false)], stream.Written);
        Assert.Equal(Environment.CurrentManagedThreadId, stream.WrittenOn[0]);
        writer.Complete();
        await loop.WaitAsync(Bound.Hang);
        Assert.False(writer.TryWriteNow(2), "nothing is written after Complete");
        Assert.Equal([1], stream.Written.Select(w => w.Message));
    }

    [Fact]
    public async Task A_sender_never_writes_while_the_loop_writes_nor_ahead_of_what_is_queued()
    {
        var writer = new SingleStreamWriter<int>();
        var peerReads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = new RecordingStream<int> { BeforeWrite = m => m == 0 ? peerReads.Task : Task.CompletedTask };
        using var cts = new CancellationTokenSource(Bound.Hang);
        var loop = writer.RunAsync(stream, cts);
        Assert.True(writer.TrySend(0));
        await stream.FirstWriteStarted.Task.WaitAsync(Bound.Hang);
        Assert.True(writer.TrySend(1));

        // Message 0 is being written (a snapshot push, say) and 1 waits in the queue: the read loop's decision queues behind them.
        Assert.False(writer.TryWriteNow(2));
        Assert.True(writer.TrySend(2));
        peerReads.SetResult();
        writer.Complete();
        await loop.WaitAsync(Bound.Hang);

        Assert.Equal([0, 1, 2], stream.Written.Select(w => w.Message));
        Assert.Equal(0, stream.Overlaps);
    }

    [Fact]
    public async Task A_write_that_does_not_complete_at_once_holds_the_stream_until_it_has()
    {
        var writer = new SingleStreamWriter<int>();
        var peerReads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = new RecordingStream<int> { BeforeWrite = m => m == 1 ? peerReads.Task : Task.CompletedTask };
        using var cts = new CancellationTokenSource(Bound.Hang);
        var loop = writer.RunAsync(stream, cts);

        // The sender does not wait for the peer: its write goes on in the background.
        Assert.True(writer.TryWriteNow(1));
        await stream.FirstWriteStarted.Task.WaitAsync(Bound.Hang);
        Assert.False(writer.TryWriteNow(2));
        Assert.True(writer.TrySend(2));
        writer.Complete();
        Assert.False(loop.IsCompleted, "the loop ends only after the sender's write");
        peerReads.SetResult();
        await loop.WaitAsync(Bound.Hang);

        Assert.Equal([1, 2], stream.Written.Select(w => w.Message));
        Assert.Equal(0, stream.Overlaps);
    }

    [Fact]
    public async Task A_senders_failed_write_ends_the_stream_like_a_failed_write_of_the_loop()
    {
        var writer = new SingleStreamWriter<int>();
        var stream = new RecordingStream<int> { BeforeWrite = _ => Task.FromException(new IOException("peer gone")) };
        using var cts = new CancellationTokenSource();
        var loop = writer.RunAsync(stream, cts);

        Assert.True(writer.TryWriteNow(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop.WaitAsync(Bound.Hang));
        Assert.True(cts.IsCancellationRequested, "the stream's read side must come down too");
        Assert.False(writer.TryWriteNow(2));
        Assert.False(writer.TrySend(3));
        var refused = await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => writer.SendAsync(4, CancellationToken.None).AsTask().WaitAsync(Bound.Hang));
        Assert.Equal("peer gone", refused.InnerException?.Message);
        Assert.Empty(stream.Written);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public Task Senders_writing_themselves_and_queueing_keep_one_write_at_a_time_and_each_threads_order(bool synchronous)
        => SendFromEightThreadsAsync(synchronous, (writer, message, cancellationToken)
            => writer.TryWriteNow(message) ? ValueTask.CompletedTask : writer.SendAsync(message, cancellationToken));

    private static async Task SendFromEightThreadsAsync(bool synchronous,
        Func<SingleStreamWriter<(int Sender, int Sequence)>, (int Sender, int Sequence), CancellationToken, ValueTask> send)
    {
        var writer = new SingleStreamWriter<(int Sender, int Sequence)>();
        var stream = new RecordingStream<(int Sender, int Sequence)> { Synchronous = synchronous };
        using var cts = new CancellationTokenSource(Bound.Hang);
        var loop = writer.RunAsync(stream, cts);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(sender => Task.Run(async () =>
        {
            for (var sequence = 0; sequence < 500; sequence++)
            {
                await send(writer, (sender, sequence), cts.Token);
            }
        })));
        writer.Complete();
        await loop.WaitAsync(Bound.Hang);

        Assert.Equal(0, stream.Overlaps);
        Assert.Equal(8 * 500, stream.Written.Count);
        foreach (var sender in stream.Written.GroupBy(w => w.Message.Sender))
        {
            Assert.Equal(Enumerable.Range(0, 500), sender.Select(w => w.Message.Sequence));
        }
    }

    /// <summary>A stream that records what was written and whether it was buffered, and counts overlapping writes.</summary>
    private sealed class RecordingStream<T> : IAsyncStreamWriter<T>
    {
        private int _writing;
        public int Overlaps;
        public readonly List<(T Message, bool Buffered)> Written = [];
        public readonly TaskCompletionSource FirstWriteStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Func<T, Task>? BeforeWrite { get; init; }
        /// <summary>Writes complete at once, as Kestrel's do while the peer keeps up (no yield in between).</summary>
        public bool Synchronous { get; init; }
        public readonly List<int> WrittenOn = [];

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

        public async Task WriteAsync(T message, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _writing) != 1)
            {
                Interlocked.Increment(ref Overlaps);
            }
            try
            {
                var buffered = WriteOptions is { } options && (options.Flags & WriteFlags.BufferHint) != 0;
                FirstWriteStarted.TrySetResult();
                if (!Synchronous)
                {
                    // Gives a second writer, if there were one, the time to overlap.
                    await Task.Yield();
                }
                if (BeforeWrite is not null)
                {
                    await BeforeWrite(message).WaitAsync(cancellationToken);
                }
                Written.Add((message, buffered));
                WrittenOn.Add(Environment.CurrentManagedThreadId);
            }
            finally
            {
                Interlocked.Decrement(ref _writing);
            }
        }
    }
}
