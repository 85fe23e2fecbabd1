using System.Runtime.InteropServices;

namespace Hookline.Core;

/// <summary>
/// Runs a storage writer's loop on a dedicated thread, optionally one the scheduler puts behind the decision path.
/// Writers block on the disk, so they must not hold thread-pool threads; and on a small machine their commits, woken by
/// the very event being decided, otherwise compete for a core with the answer on its way back to the agent. Lower
/// priority delays nothing that is idle: a writer still runs at once whenever a core is free; under saturation it
/// gets a smaller share, so storage-bound throughput drops.
/// </summary>
public static partial class StorageThread
{
    // Added to the thread's nice value on Linux (19 at most): weight about a tenth of a normal thread's.
    private const int NiceIncrement = 10;

    /// <summary>Starts <paramref name="loop"/>; the task completes when it returns (or faults with what it threw).</summary>
    public static Task Start(string name, Action loop, bool lowerPriority = true)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            if (lowerPriority)
            {
                LowerPriority();
            }
            try
            {
                loop();
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                done.TrySetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }

    private static void LowerPriority()
    {
        if (!OperatingSystem.IsLinux())
        {
            // Thread.Priority is the portable way; on Linux the runtime ignores it for ordinary threads.
            Thread.CurrentThread.Priority = ThreadPriority.BelowNormal;
            return;
        }
        try
        {
            // On Linux, PRIO_PROCESS with a thread id sets that thread's nice value alone.
            var tid = Libc.gettid();
            var current = Libc.getpriority(PrioProcess, tid);
            // Best effort: a refused nice value leaves the writer at normal priority.
            _ = Libc.setpriority(PrioProcess, tid, Math.Min(19, current + NiceIncrement));
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // A libc without these: the writer runs at normal priority, which is only slower under load.
        }
    }

    private const int PrioProcess = 0;

    private static partial class Libc
    {
        [LibraryImport("libc")]
        internal static partial int gettid();

        [LibraryImport("libc")]
        internal static partial int getpriority(int which, int who);

        [LibraryImport("libc")]
        internal static partial int setpriority(int which, int who, int priority);
    }
}
