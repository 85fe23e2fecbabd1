using Hookline.Contracts.V1;

namespace Hookline.Sidecar.Internal.ServerStream;

/// <summary>
/// Hooks held on a pending approval, by approval id: the server's ApprovalResolved answers every hook waiting on it
/// (identical requests fold into one approval). Unlike <see cref="PendingDecisions"/>, a broken stream fails nobody:
/// every new stream says again which approvals are still awaited (<see cref="Awaited"/>), on whichever replica.
/// </summary>
internal sealed class AwaitedApprovals
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Entry> _waiting = new(StringComparer.Ordinal);

    // Resolutions nobody waited on yet, the newest few: the hook that got PENDING registers its wait after the stream's
    // read loop handed it the decision, and a resolution right behind it must not be lost in between.
    private const int UnclaimedKept = 64;
    private readonly Dictionary<string, ApprovalResolved> _unclaimed = new(StringComparer.Ordinal);
    private readonly Queue<string> _unclaimedOrder = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>
    /// Holds a hook on <paramref name="approvalId"/> until <see cref="Resolve"/> or <see cref="Release"/>. The task's
    /// continuations run asynchronously: a waiting hook's rest never runs on the stream's read loop.
    /// </summary>
    /// <param name="eventId">The event that asked, as AwaitApproval names it (the first waiter's, for a folded approval).</param>
    public Task<ApprovalResolved> Await(string approvalId, string eventId)
    {
        lock (_lock)
        {
            if (_unclaimed.TryGetValue(approvalId, out var early))
            {
                return Task.FromResult(early);
            }
            if (!_waiting.TryGetValue(approvalId, out var entry))
            {
                entry = new Entry(eventId);
                _waiting[approvalId] = entry;
            }
            entry.Holders++;
            return entry.Resolution.Task;
        }
    }

    /// <summary>One hook stopped waiting (its deadline passed); the approval is forgotten when none waits on it.</summary>
    public void Release(string approvalId)
    {
        lock (_lock)
        {
            if (_waiting.TryGetValue(approvalId, out var entry) && --entry.Holders <= 0)
            {
                _waiting.Remove(approvalId);
            }
        }
    }

    /// <summary>
    /// Answers every hook waiting on the resolved approval. False when none waits yet: then it is kept (the newest
    /// <see cref="UnclaimedKept"/>) for a hook about to wait on it.
    /// </summary>
    public bool Resolve(ApprovalResolved resolved)
    {
        Entry? entry;
        lock (_lock)
        {
            if (!_waiting.Remove(resolved.ApprovalId, out entry))
            {
                if (_unclaimed.TryAdd(resolved.ApprovalId, resolved))
                {
                    _unclaimedOrder.Enqueue(resolved.ApprovalId);
                    if (_unclaimedOrder.Count > UnclaimedKept)
                    {
                        _unclaimed.Remove(_unclaimedOrder.Dequeue());
                    }
                }
                return false;
            }
        }
        return entry.Resolution.TrySetResult(resolved);
    }

    /// <summary>What a new stream must send so the server resumes every wait: one AwaitApproval per approval.</summary>
    public List<AwaitApproval> Awaited()
    {
        lock (_lock)
        {
            return _waiting.Select(w => new AwaitApproval { ApprovalId = w.Key, EventId = w.Value.EventId }).ToList();
        }
    }

    private sealed class Entry(string eventId)
    {
        public string EventId { get; } = eventId;

        public int Holders { get; set; }

        public TaskCompletionSource<ApprovalResolved> Resolution { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
