using Hookline.Contracts.V1;
using Hookline.Server.Internal.Grpc;

namespace Hookline.Server.Internal.Approvals;

/// <summary>
/// The streams of this replica waiting on each approval: one <see cref="Waiter"/> per stream and approval, however
/// many folded requests of that stream wait on it (the sidecar resolves them all by the approval's id). A resolution
/// reaches each waiter once, through its stream's outbox (the stream's one writer); a closed stream's waiters go.
/// </summary>
internal sealed class ApprovalWaiters
{
    private readonly Dictionary<string, List<Waiter>> _byApproval = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>
    /// Registers <paramref name="outbox"/> as waiting on <paramref name="approvalId"/>. A held waiter keeps a resolution
    /// until <see cref="Waiter.Release"/>: the pending decision must reach the stream before its resolution.
    /// </summary>
    public Waiter Add(string approvalId, StreamOutbox outbox, bool held)
    {
        lock (_lock)
        {
            if (!_byApproval.TryGetValue(approvalId, out var waiters))
            {
                _byApproval[approvalId] = waiters = [];
            }
            foreach (var existing in waiters)
            {
                if (ReferenceEquals(existing.Outbox, outbox))
                {
                    existing.Hold(held);
                    return existing;
                }
            }
            var waiter = new Waiter(outbox, held);
            waiters.Add(waiter);
            return waiter;
        }
    }

    /// <summary>Whether any stream of this replica waits on the approval.</summary>
    public bool AnyFor(string approvalId)
    {
        lock (_lock)
        {
            return _byApproval.ContainsKey(approvalId);
        }
    }

    /// <summary>The approvals some stream of this replica waits on.</summary>
    public List<string> Approvals()
    {
        lock (_lock)
        {
            return [.. _byApproval.Keys];
        }
    }

    /// <summary>Sends <paramref name="resolved"/> to every stream waiting on its approval, once, and forgets them.</summary>
    public int Resolve(ApprovalResolved resolved)
    {
        List<Waiter>? waiters;
        lock (_lock)
        {
            if (_byApproval.Remove(resolved.ApprovalId, out waiters) is false)
            {
                return 0;
            }
        }
        foreach (var waiter in waiters!)
        {
            waiter.Deliver(resolved);
        }
        return waiters.Count;
    }

    /// <summary>A stream closed: it waits on nothing any more (its sidecar resumes the wait on its next stream).</summary>
    public void Closed(StreamOutbox outbox)
    {
        lock (_lock)
        {
            List<string>? emptied = null;
            foreach (var (id, waiters) in _byApproval)
            {
                if (waiters.RemoveAll(w => ReferenceEquals(w.Outbox, outbox)) > 0 && waiters.Count == 0)
                {
                    (emptied ??= []).Add(id);
                }
            }
            foreach (var id in emptied ?? [])
            {
                _byApproval.Remove(id);
            }
        }
    }

    /// <summary>One stream waiting on one approval.</summary>
    internal sealed class Waiter(StreamOutbox outbox, bool held)
    {
        private readonly Lock _lock = new();
        private bool _held = held;
        private ApprovalResolved? _kept;
        private bool _delivered;

        public StreamOutbox Outbox { get; } = outbox;

        public void Hold(bool held)
        {
            lock (_lock)
            {
                _held |= held;
            }
        }

        /// <summary>The pending decision is on its way: a resolution that came meanwhile follows it now.</summary>
        public void Release()
        {
            ApprovalResolved? kept;
            lock (_lock)
            {
                _held = false;
                kept = _kept;
                _kept = null;
            }
            if (kept is not null)
            {
                Outbox.TrySend(new ProcessHookEventResponse { ApprovalResolved = kept });
            }
        }

        public void Deliver(ApprovalResolved resolved)
        {
            lock (_lock)
            {
                if (_delivered)
                {
                    return;
                }
                _delivered = true;
                if (_held)
                {
                    _kept = resolved;
                    return;
                }
            }
            // A closed or full outbox drops it: the sidecar asks again (AwaitApproval) on its next stream.
            Outbox.TrySend(new ProcessHookEventResponse { ApprovalResolved = resolved });
        }
    }
}
