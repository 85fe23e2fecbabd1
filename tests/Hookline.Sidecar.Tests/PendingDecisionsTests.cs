using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.ServerStream;
using Hookline.Sidecar.Internal;

namespace Hookline.Sidecar.Tests;

public sealed class PendingDecisionsTests
{
    private static Decision For(ulong correlationId, Verdict verdict) =>
        new() { CorrelationId = correlationId, Verdict = verdict, EventId = $"e{correlationId}" };

    [Fact]
    public async Task Decisions_answered_out_of_order_reach_their_own_waiters()
    {
        var pending = new PendingDecisions();
        var waiters = Enumerable.Range(0, 5).Select(_ => pending.Register()).ToArray();

        foreach (var (id, _) in waiters.Reverse())
        {
            Assert.True(pending.Complete(For(id, id % 2 == 0 ? Verdict.Deny : Verdict.Allow)));
        }

        foreach (var (id, task) in waiters)
        {
            var decision = await task;
            Assert.Equal(id, decision.CorrelationId);
            Assert.Equal(id % 2 == 0 ? Verdict.Deny : Verdict.Allow, decision.Verdict);
        }
        Assert.Equal(0, pending.Count);
    }

    [Fact]
    public void A_decision_after_the_waiter_gave_up_is_dropped_and_counted()
    {
        var pending = new PendingDecisions();
        var (id, task) = pending.Register();
        pending.Abandon(id);

        Assert.False(pending.Complete(For(id, Verdict.Deny)));
        Assert.Equal(1, pending.LateCount);
        Assert.False(task.IsCompleted);
        Assert.Equal(0, pending.Count);
    }

    [Fact]
    public void An_unknown_correlation_id_is_dropped()
    {
        var pending = new PendingDecisions();
        Assert.False(pending.Complete(For(424242, Verdict.Allow)));
        Assert.Equal(1, pending.LateCount);
    }

    [Fact]
    public async Task A_broken_stream_releases_every_waiter_at_once()
    {
        var pending = new PendingDecisions();
        var waiters = Enumerable.Range(0, 3).Select(_ => pending.Register().Decision).ToArray();

        pending.FailAll();

        foreach (var waiter in waiters)
        {
            await Assert.ThrowsAsync<StreamDownException>(() => waiter);
        }
        Assert.Equal(0, pending.Count);
    }

    [Fact]
    public async Task Two_hundred_concurrent_registrations_get_distinct_ids_and_their_own_answers()
    {
        var pending = new PendingDecisions();
        var registrations = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => Task.Run(pending.Register)));

        Assert.Equal(200, registrations.Select(r => r.CorrelationId).Distinct().Count());
        Parallel.ForEach(registrations, r => pending.Complete(For(r.CorrelationId, Verdict.Ask)));
        foreach (var (id, task) in registrations)
        {
            Assert.Equal(id, (await task).CorrelationId);
        }
    }
}
