using Hookline.Core;

namespace Hookline.Server.Tests;

/// <summary>The storage writers' threads: behind the decision path in the scheduler, and failures surface.</summary>
public sealed class StorageThreadTests
{
    [Fact]
    public async Task The_loop_runs_on_a_named_thread_with_a_higher_nice_value_than_the_caller()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var callerNice = NiceOf("/proc/thread-self/stat");
        var seen = new TaskCompletionSource<(int Nice, string? Name, bool Pool)>();

        await StorageThread.Start("hookline-test", () =>
            seen.TrySetResult((NiceOf("/proc/thread-self/stat"), Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread)))
            .WaitAsync(Bound.Hang);
        var (nice, name, pool) = await seen.Task;

        Assert.Equal(Math.Min(19, callerNice + 10), nice);
        Assert.Equal("hookline-test", name);
        Assert.False(pool);
    }

    [Fact]
    public async Task Without_lower_priority_the_loop_keeps_the_callers_nice_value()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var callerNice = NiceOf("/proc/thread-self/stat");
        var seen = new TaskCompletionSource<int>();

        await StorageThread.Start("hookline-test", () => seen.TrySetResult(NiceOf("/proc/thread-self/stat")), lowerPriority: false)
            .WaitAsync(Bound.Hang);

        Assert.Equal(callerNice, await seen.Task);
    }

    [Fact]
    public async Task A_loop_that_throws_faults_its_task_with_that_exception()
    {
        var task = StorageThread.Start("hookline-test", () => throw new InvalidOperationException("disk gone"));

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => task.WaitAsync(Bound.Hang));

        Assert.Equal("disk gone", thrown.Message);
    }

    /// <summary>Field 19 of a task's stat line: its nice value (after the parenthesised command name).</summary>
    private static int NiceOf(string statPath)
    {
        var stat = File.ReadAllText(statPath);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture);
    }
}
