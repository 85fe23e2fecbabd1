using Hookline.Sidecar.Internal.Decisions;
using Hookline.Sidecar.Internal.ServerStream;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Sidecar.Tests;

/// <summary>The one timer that bounds every hook's wait for the server: each wait still ends at its own deadline.</summary>
public sealed class DeadlinesTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(8);

    [Fact]
    public async Task A_wait_times_out_at_its_deadline_and_not_before()
    {
        var time = new FakeTimeProvider();
        var deadlines = new Deadlines(time);
        var never = new TaskCompletionSource<int>();

        var wait = deadlines.WaitAsync(never.Task, time.GetTimestamp(), Budget);
        time.Advance(Budget - TimeSpan.FromMilliseconds(1));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));

        await Assert.ThrowsAsync<TimeoutException>(() => wait);
        Assert.Equal(0, deadlines.Queued);
    }

    [Fact]
    public async Task A_wait_answered_in_time_gets_the_answer_and_its_failure()
    {
        var time = new FakeTimeProvider();
        var deadlines = new Deadlines(time);
        var answered = new TaskCompletionSource<int>();
        var failed = new TaskCompletionSource<int>();

        var first = deadlines.WaitAsync(answered.Task, time.GetTimestamp(), Budget);
        var second = deadlines.WaitAsync(failed.Task, time.GetTimestamp(), Budget);
        answered.SetResult(42);
        failed.SetException(new StreamDownException());

        Assert.Equal(42, await first);
        await Assert.ThrowsAsync<StreamDownException>(() => second);
        time.Advance(Budget);
        Assert.Equal(0, deadlines.Queued);
    }

    [Fact]
    public async Task A_later_wait_behind_one_that_ended_still_times_out_at_its_own_deadline()
    {
        // The timer stays armed for the first deadline after that wait ended; when it fires it must re-arm for the second.
        var time = new FakeTimeProvider();
        var deadlines = new Deadlines(time);
        var answered = new TaskCompletionSource<int>();
        var first = deadlines.WaitAsync(answered.Task, time.GetTimestamp(), Budget);
        answered.SetResult(1);
        await first;
        time.Advance(TimeSpan.FromMilliseconds(5));
        var never = new TaskCompletionSource<int>();
        var second = deadlines.WaitAsync(never.Task, time.GetTimestamp(), Budget);

        time.Advance(TimeSpan.FromMilliseconds(3)); // the first deadline: nothing due yet
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(4));
        Assert.False(second.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1)); // 8 ms after the second started

        await Assert.ThrowsAsync<TimeoutException>(() => second);
    }

    [Fact]
    public async Task A_shorter_wait_queued_after_a_longer_one_times_out_first()
    {
        var time = new FakeTimeProvider();
        var deadlines = new Deadlines(time);
        var longer = deadlines.WaitAsync(new TaskCompletionSource<int>().Task, time.GetTimestamp(), TimeSpan.FromSeconds(1));
        var shorter = deadlines.WaitAsync(new TaskCompletionSource<int>().Task, time.GetTimestamp(), Budget);

        time.Advance(Budget);

        await Assert.ThrowsAsync<TimeoutException>(() => shorter);
        Assert.False(longer.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(1) - Budget);
        await Assert.ThrowsAsync<TimeoutException>(() => longer);
    }

    [Fact]
    public async Task A_wait_whose_budget_is_already_spent_times_out_at_once()
    {
        var time = new FakeTimeProvider();
        var deadlines = new Deadlines(time);
        var startedAt = time.GetTimestamp();
        time.Advance(Budget);

        var wait = deadlines.WaitAsync(new TaskCompletionSource<int>().Task, startedAt, Budget);

        await Assert.ThrowsAsync<TimeoutException>(() => wait);
        Assert.Equal(0, deadlines.Queued);
    }
}
