using System.Runtime.InteropServices;

namespace Hookline.LoadTool.Native;

/// <summary>The few libc calls the process benchmarks need: spawn without the Process class's pipes and threads, and reap with rusage.</summary>
internal static unsafe partial class Libc
{
    public const int SigTerm = 15;
    public const int ReadOnly = 0;
    public const int WriteOnly = 1;

    /// <summary>glibc's posix_spawn_file_actions_t is 80 bytes on x86-64 and arm64; reserve more to be safe.</summary>
    public const int FileActionsSize = 256;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_init(void* actions);

    [LibraryImport("libc")]
    public static partial int posix_spawn_file_actions_destroy(void* actions);

    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int posix_spawn_file_actions_addopen(void* actions, int fd, string path, int flags, int mode);

    [LibraryImport("libc")]
    public static partial int posix_spawn(int* pid, byte* path, void* actions, void* attributes, byte** argv, byte** envp);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int wait4(int pid, int* status, int options, Rusage* usage);

    [LibraryImport("libc", SetLastError = true)]
    public static partial int getrusage(int who, Rusage* usage);

    /// <summary>Voluntary context switches of every thread of this process so far: one per thread that went to sleep.</summary>
    public static long VoluntarySwitches()
    {
        Rusage usage;
        return getrusage(0, &usage) == 0 ? usage.VoluntarySwitches : 0;
    }

    /// <summary>struct rusage on 64-bit Linux: two timevals, then 14 longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Rusage
    {
        public long UserSeconds, UserMicros, SystemSeconds, SystemMicros;
        public long MaxRssKb, SharedRss, UnsharedData, UnsharedStack, MinorFaults, MajorFaults;
        public long Swaps, BlockIn, BlockOut, MessagesSent, MessagesReceived, Signals, VoluntarySwitches, InvoluntarySwitches;
    }
}
