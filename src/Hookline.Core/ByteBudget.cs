namespace Hookline.Core;

/// <summary>
/// A bound in bytes on what is queued: takers wait, first come first served, until enough is returned. One item larger
/// than the whole bound still passes when nothing else is held, so no accepted item waits forever.
/// </summary>
public sealed class ByteBudget(long capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<(long Bytes, TaskCompletionSource Granted)> _waiting = new();
    private long _held;

    public long Capacity { get; } = Math.Max(1, capacity);

    public long Held => Interlocked.Read(ref _held);

    /// <summary>Takers waiting for room.</summary>
    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Completes once <paramref name="bytes"/> are taken; they must be <see cref="Return"/>ed.</summary>
    public ValueTask TakeAsync(long bytes, CancellationToken cancellationToken)
    {
        LinkedListNode<(long, TaskCompletionSource)> node;
        lock (_lock)
        {
            if (_waiting.Count == 0 && Fits(bytes))
            {
                Interlocked.Add(ref _held, bytes);
                return ValueTask.CompletedTask;
            }
            node = _waiting.AddLast((bytes, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)));
        }
        return new ValueTask(WaitAsync(node, cancellationToken));
    }

    private async Task WaitAsync(LinkedListNode<(long Bytes, TaskCompletionSource Granted)> node, CancellationToken cancellationToken)
    {
        await using (cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                if (node.List is null)
                {
                    return; // granted already: the taker holds the bytes
                }
                _waiting.Remove(node);
                node.Value.Granted.TrySetCanceled(cancellationToken);
                GrantWaiting();
            }
        }).ConfigureAwait(false))
        {
            await node.Value.Granted.Task.ConfigureAwait(false);
        }
    }

    public void Return(long bytes)
    {
        lock (_lock)
        {
            Interlocked.Add(ref _held, -bytes);
            GrantWaiting();
        }
    }

    private void GrantWaiting()
    {
        while (_waiting.First is { } first && Fits(first.Value.Bytes))
        {
            _waiting.RemoveFirst();
            Interlocked.Add(ref _held, first.Value.Bytes);
            first.Value.Granted.TrySetResult();
        }
    }

    private bool Fits(long bytes) => _held == 0 || _held + bytes <= Capacity;
}
