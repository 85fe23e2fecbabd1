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
/// </summary>
public sealed class SingleStreamWriter<T>
{
    /// <summary>Messages queued per stream before senders wait or are refused.</summary>
    public const int DefaultCapacity = 4096;

    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    private readonly Channel<T> _queue;

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

    /// <summary>No more messages: the loop writes what is queued, then returns.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>
    /// Writes until <see cref="Complete"/> and the queue is drained. A write that fails, or
    /// <paramref name="stream"/> cancelled, ends the loop with that exception, after cancelling
    /// <paramref name="stream"/> and refusing every later send.
    /// </summary>
    public async Task RunAsync(IAsyncStreamWriter<T> writer, CancellationTokenSource stream)
    {
        var reader = _queue.Reader;
        var cancellationToken = stream.Token;
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var message))
                {
                    // A burst goes out in one socket write: buffer while more is queued, flush with the last.
                    writer.WriteOptions = reader.TryPeek(out _) ? Buffered : null;
                    await writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex)
        {
            // Nothing queued will be written any more: senders learn it at once, as a cancellation. Refused before the
            // stream is cancelled, so no send in between is accepted and then silently dropped.
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
            throw;
        }
    }
}
