using System.Collections.Concurrent;
using Hookline.Contracts.V1;

namespace Hookline.Sidecar.Internal.ServerStream;

/// <summary>
/// Hooks waiting for the server, by correlation id. A decision that arrives after its hook gave up finds no entry
/// and is dropped (and counted); the hook was already answered locally. A hook past its budget whose call needs a
/// person keeps its entry and waits on (ApprovalHold.WaitForServerAsync).
/// </summary>
internal sealed class PendingDecisions
{
    private readonly ConcurrentDictionary<ulong, TaskCompletionSource<Decision>> _waiting = new();
    private long _nextId;
    private long _late;

    public long LateCount => Interlocked.Read(ref _late);

    public int Count => _waiting.Count;

    public (ulong CorrelationId, Task<Decision> Decision) Register()
    {
        var id = (ulong)Interlocked.Increment(ref _nextId);
        // The waiting hook's rest (encode the answer, hand it to its socket or HTTP response, spool what was applied)
        // runs on the stream's read loop: a few µs, all non-blocking, and it saves a thread wake-up per decision
        // (about 0.05 ms at p50 on a 2-core machine, http-stages). Nothing on that path may block or wait.
        var source = new TaskCompletionSource<Decision>();
        _waiting[id] = source;
        return (id, source.Task);
    }

    /// <summary>Hands a decision to its waiting hook. Returns false for a late or unknown correlation id.</summary>
    public bool Complete(Decision decision)
    {
        if (_waiting.TryRemove(decision.CorrelationId, out var source))
        {
            return source.TrySetResult(decision);
        }
        Interlocked.Increment(ref _late);
        return false;
    }

    /// <summary>The hook stopped waiting (budget spent, or the longer wait of a call that needs a person).</summary>
    public void Abandon(ulong correlationId) => _waiting.TryRemove(correlationId, out _);

    /// <summary>The stream broke: every waiting hook decides locally now instead of at the end of its budget.</summary>
    public void FailAll()
    {
        foreach (var id in _waiting.Keys)
        {
            if (_waiting.TryRemove(id, out var source))
            {
                source.TrySetException(new StreamDownException());
            }
        }
    }
}

internal sealed class StreamDownException() : Exception("the stream to the server is down");
