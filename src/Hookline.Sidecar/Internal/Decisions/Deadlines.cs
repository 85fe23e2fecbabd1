namespace Hookline.Sidecar.Internal.Decisions;

/// <summary>
/// Bounds waits in time with one timer for all of them, instead of a timer per wait (<c>Task.WaitAsync(timeout)</c>).
/// Each armed timer wakes the runtime's timer thread twice per hook: when armed, and when it lapses though disposed.
/// Here the timer stays armed for the earliest deadline; a wait that ends first leaves it so, and a later deadline
/// does not touch it: when it fires it expires what is due and re-arms for the next. Hooks that follow each other
/// within a budget share one arming instead of each paying for its own.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable",
    Justification = "The timer is referenced by the timer queue only while armed, and it is armed only while waits are queued.")]
internal sealed class Deadlines
{
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Lock _lock = new();
    // By deadline (a TimeProvider timestamp). A wait that ended stays until it reaches the front: no search per wait.
    private readonly PriorityQueue<IExpiring, long> _waits = new();
    private long _armedFor = long.MaxValue;

    public Deadlines(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(static state => ((Deadlines)state!).Expire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>How many waits are queued, ended ones included (for tests).</summary>
    internal int Queued
    {
        get
        {
            lock (_lock)
            {
                return _waits.Count;
            }
        }
    }

    /// <summary>
    /// <paramref name="task"/>'s outcome, or a <see cref="TimeoutException"/> once <paramref name="timeout"/> has passed
    /// since <paramref name="startedAt"/> (<see cref="TimeProvider.GetTimestamp"/>). Whoever completes the task runs the
    /// caller's continuation, as with <c>WaitAsync</c>.
    /// </summary>
    public Task<T> WaitAsync<T>(Task<T> task, long startedAt, TimeSpan timeout)
    {
        if (task.IsCompleted)
        {
            return task;
        }
        var now = _time.GetTimestamp();
        var due = startedAt + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        if (due <= now)
        {
            return Task.FromException<T>(new TimeoutException());
        }
        var wait = new Wait<T>();
        lock (_lock)
        {
            _waits.Enqueue(wait, due);
            if (due < _armedFor)
            {
                Arm(now, due);
            }
        }
        task.ContinueWith(static (t, state) => ((Wait<T>)state!).From(t), wait, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return wait.Task;
    }

    private void Expire()
    {
        List<IExpiring>? expired = null;
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            _armedFor = long.MaxValue;
            while (_waits.TryPeek(out var wait, out var due) && (due <= now || wait.Ended))
            {
                _waits.Dequeue();
                if (!wait.Ended)
                {
                    (expired ??= []).Add(wait);
                }
            }
            if (_waits.TryPeek(out _, out var next))
            {
                Arm(now, next);
            }
        }
        // Outside the lock: each expired waiter's continuation runs here.
        foreach (var wait in expired ?? [])
        {
            wait.Expire();
        }
    }

    private void Arm(long now, long due)
    {
        _armedFor = due;
        // Whole milliseconds, rounded up: a timer rounds down, and firing before the deadline would only re-arm.
        _timer.Change(TimeSpan.FromMilliseconds(Math.Ceiling(_time.GetElapsedTime(now, due).TotalMilliseconds)), Timeout.InfiniteTimeSpan);
    }

    private interface IExpiring
    {
        bool Ended { get; }

        void Expire();
    }

    private sealed class Wait<T> : TaskCompletionSource<T>, IExpiring
    {
        public bool Ended => Task.IsCompleted;

        public void Expire() => TrySetException(new TimeoutException());

        public void From(Task<T> task)
        {
            if (task.IsCompletedSuccessfully)
            {
                TrySetResult(task.Result);
            }
            else if (task.IsFaulted)
            {
                TrySetException(task.Exception!.InnerExceptions);
            }
            else
            {
                TrySetCanceled();
            }
        }
    }
}
