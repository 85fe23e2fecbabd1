using System.Threading.Channels;
using Grpc.Core;

namespace Hookline.Core;

/// <summary>
/// The single writer of one gRPC stream, at either end: the server's response stream and the sidecar's request stream.
/// gRPC allows one write at a time per stream while messages come from many threads (hooks, decisions, acks, pings,
/// policy pushes), so they queue here and one loop writes them in the order they were queued.
/// The queue is bounded: against a peer that reads slowly or not at all, <see cref="SendAsync"/> waits and
/// <see cref="TrySend"/> refuses, so memory does not grow. A failed write ends the stream: its cancellation is
/// triggered, which brings the read side down too, and every later send fails at once.
/// A sender that finds the stream idle (nothing queued, no write under way) may write its message itself
/// (<see cref="TryWriteNow"/>), Kestrel-style: the message goes out without waking the loop, and whoever writes holds
/// one gate, so there is still one write at a time, in queue order.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The write gate's SemaphoreSlim holds nothing to release: it makes a wait handle only for AvailableWaitHandle, never used here.")]
public sealed class SingleStreamWriter<T>
{
    /// <summary>Messages queued per stream before senders wait or are refused.</summary>
    public const int DefaultCapacity = 4096;

    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    private readonly Channel<T> _queue;
    // Held by whoever writes to the stream: the loop while it drains the queue, or a sender writing its message itself.
    private readonly SemaphoreSlim _writing = new(1, 1);
    // The stream, once RunAsync has started; null before, so that nothing is written ahead of the loop.
    private Target? _target;
    private volatile bool _completed;

    private sealed record Target(IAsyncStreamWriter<T> Writer, CancellationTokenSource Stream);

    /// <summary>A writer whose queue holds at most <paramref name="capacity"/> messages.</summary>
    public SingleStreamWriter(int capacity = DefaultCapacity)
        => _queue = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

    /// <summary>
    /// Queues a message, waiting while the queue is full. Throws <see cref="OperationCanceledException"/> once the
    /// stream has ended (its writer failed or was cancelled), and <see cref="ChannelClosedException"/> after
    /// <see cref="Complete"/>.
    /// </summary>
    public ValueTask SendAsync(T message, CancellationToken cancellationToken)
        => _queue.Writer.TryWrite(message) ? ValueTask.CompletedTask : _queue.Writer.WriteAsync(message, cancellationToken);

    /// <summary>For callers that must not wait. False when the queue is full or the stream has ended.</summary>
    public bool TrySend(T message) => _queue.Writer.TryWrite(message);

    /// <summary>
    /// Writes <paramref name="message"/> on the caller's thread when the stream is idle: the loop has started, nothing is
    /// queued and no write is under way. A write that does not complete at once finishes in the background, holding
    /// the gate, so the caller never waits on the peer; one that fails ends the stream as a failed write of the loop
    /// does. False when the stream is busy or not running: queue the message instead (<see cref="SendAsync"/>,
    /// <see cref="TrySend"/>). Not for threads that must not do the stream's work (a storage thread, say).
    /// </summary>
    public bool TryWriteNow(T message)
    {
        if (Volatile.Read(ref _target) is not { } target || _completed || _queue.Reader.Count > 0 || !_writing.Wait(0))
        {
            return false;
        }
        // Checked again under the gate: the loop takes a message only while it holds the gate, so an empty queue now
        // means that nothing queued before this message is still unwritten.
        if (_completed || _queue.Reader.Count > 0)
        {
            _writing.Release();
            return false;
        }
        Task write;
        try
        {
            target.Writer.WriteOptions = null;
            StreamWriterCounts.Count(flushed: true);
            write = target.Writer.WriteAsync(message, target.Stream.Token);
        }
        catch (Exception ex)
        {
            write = Task.FromException(ex);
        }
        if (write.IsCompletedSuccessfully)
        {
            _writing.Release();
        }
        else
        {
            _ = FinishWriteAsync(write, target.Stream);
        }
        return true;
    }

    /// <summary>No more messages: the loop writes what is queued, then returns.</summary>
    public void Complete()
    {
        _completed = true;
        _queue.Writer.TryComplete();
    }

    /// <summary>
    /// Writes until <see cref="Complete"/> and the queue is drained. A write that fails, or
    /// <paramref name="stream"/> cancelled, ends the loop with that exception, after cancelling
    /// <paramref name="stream"/> and refusing every later send.
    /// </summary>
    public async Task RunAsync(IAsyncStreamWriter<T> writer, CancellationTokenSource stream)
    {
        var reader = _queue.Reader;
        var cancellationToken = stream.Token;
        Volatile.Write(ref _target, new Target(writer, stream));
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    while (reader.TryRead(out var message))
                    {
                        // A burst goes out in one socket write: buffer while more is queued, flush with the last.
                        writer.WriteOptions = reader.TryPeek(out _) ? Buffered : null;
                        StreamWriterCounts.Count(flushed: writer.WriteOptions is null);
                        await writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                    }
                }
                finally
                {
                    _writing.Release();
                }
            }
            // A sender's own write may still be under way: the stream ends after it. The gate stays taken, so none starts.
            await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await EndAsync(ex, stream).ConfigureAwait(false);
            throw;
        }
    }

    // A sender's own write that did not complete at once: the gate is released only once it has.
    private async Task FinishWriteAsync(Task write, CancellationTokenSource stream)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Reported by the loop, which the cancellation ends; nothing awaits this task.
            await EndAsync(ex, stream).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task EndAsync(Exception ex, CancellationTokenSource stream)
    {
        CancellationToken cancellationToken;
        try
        {
            cancellationToken = stream.Token;
        }
        catch (ObjectDisposedException)
        {
            cancellationToken = new CancellationToken(canceled: true);
        }
        // Nothing queued will be written any more: senders learn it at once, as a cancellation. Refused before the
        // stream is cancelled, so no send in between is accepted and then silently dropped.
        _completed = true;
        _queue.Writer.TryComplete(new OperationCanceledException("the stream's writer has ended", ex, cancellationToken));
        if (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                // A failed write means the stream is broken: bring the read side down too.
                await stream.CancelAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                // The handler has already ended and disposed it; the write's own error is the one to report.
            }
        }
    }
}
