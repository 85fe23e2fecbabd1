using Hookline.Contracts.V1;

namespace Hookline.Sidecar.Internal;

/// <summary>Counters of how hooks were answered, for the demo, health and tests.</summary>
internal sealed class SidecarStats
{
    private long _remote, _local, _failClosed, _failOpen, _nonBlocking, _malformed, _budgetMisses;

    public long Remote => Interlocked.Read(ref _remote);
    public long Local => Interlocked.Read(ref _local);
    public long FailClosed => Interlocked.Read(ref _failClosed);
    public long FailOpen => Interlocked.Read(ref _failOpen);
    public long NonBlocking => Interlocked.Read(ref _nonBlocking);
    public long Malformed => Interlocked.Read(ref _malformed);
    public long BudgetMisses => Interlocked.Read(ref _budgetMisses);

    public void BudgetMiss() => Interlocked.Increment(ref _budgetMisses);

    public void Count(DecisionSource source)
    {
        switch (source)
        {
            case DecisionSource.Remote: Interlocked.Increment(ref _remote); break;
            case DecisionSource.Local: Interlocked.Increment(ref _local); break;
            case DecisionSource.FailClosed: Interlocked.Increment(ref _failClosed); break;
            case DecisionSource.FailOpen: Interlocked.Increment(ref _failOpen); break;
            case DecisionSource.NonBlocking: Interlocked.Increment(ref _nonBlocking); break;
            case DecisionSource.MalformedInput: Interlocked.Increment(ref _malformed); break;
        }
    }
}
