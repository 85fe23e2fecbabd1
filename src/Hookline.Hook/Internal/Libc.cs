using System.Runtime.InteropServices;

namespace Hookline.Hook.Internal;

/// <summary>The few libc calls the hook needs; Linux x64/arm64 constants. What the sidecar reads too is in LinuxAbi.</summary>
internal static unsafe partial class Libc
{
    internal const int StdinFd = 0;
    internal const int StdoutFd = 1;
    internal const int StderrFd = 2;

    internal const int EINTR = 4;
    internal const int EAGAIN = 11;
    internal const int EINPROGRESS = 115;

    internal const int AF_UNIX = 1;
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOCK_CLOEXEC = 0x80000;
    internal const int MSG_NOSIGNAL = 0x4000;
    internal const int SO_ERROR = 4;

    internal const short POLLIN = 0x1;
    internal const short POLLOUT = 0x4;

    internal const int O_WRONLY = 0x1;
    internal const int O_CREAT = 0x40;
    internal const int O_APPEND = 0x400;
    internal const int O_CLOEXEC = 0x80000;

    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, byte* buffer, nint count);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    internal static partial nint Send(int fd, byte* buffer, nint count, int flags);

    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport("libc", EntryPoint = "connect", SetLastError = true)]
    internal static partial int Connect(int fd, byte* address, uint addressLength);

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    internal static partial int GetSockOpt(int fd, int level, int name, int* value, uint* valueLength);

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    internal static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "close")]
    internal static partial int Close(int fd);

    // open(2) is variadic in C; passing the mode as a fixed int argument is what the Linux ABIs expect.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    internal static partial int Open(byte* path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "mkdir", SetLastError = true)]
    internal static partial int MkDir(byte* path, int mode);

    [LibraryImport("libc", EntryPoint = "getpid")]
    internal static partial int GetPid();

    // glibc: posix_spawn_file_actions_t is 80 bytes and posix_spawnattr_t 336 on x64 and arm64; generous room for both.
    internal const int SpawnFileActionsBytes = 256;
    internal const int SpawnAttrBytes = 512;

    [LibraryImport("libc", EntryPoint = "posix_spawn")]
    internal static partial int PosixSpawn(int* pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_init")]
    internal static partial int SpawnFileActionsInit(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_addopen")]
    internal static partial int SpawnFileActionsAddOpen(void* actions, int fd, byte* path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "posix_spawn_file_actions_destroy")]
    internal static partial int SpawnFileActionsDestroy(void* actions);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_init")]
    internal static partial int SpawnAttrInit(void* attributes);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_setflags")]
    internal static partial int SpawnAttrSetFlags(void* attributes, short flags);

    [LibraryImport("libc", EntryPoint = "posix_spawnattr_destroy")]
    internal static partial int SpawnAttrDestroy(void* attributes);

    [LibraryImport("libc", EntryPoint = "strerror")]
    internal static partial byte* StrError(int errno);


    /// <summary>errno of the last P/Invoke above that sets it.</summary>
    internal static int LastErrno => Marshal.GetLastPInvokeError();

    /// <summary>"No such file or directory" and so on, from libc.</summary>
    internal static string Describe(int errno) => Marshal.PtrToStringUTF8((nint)StrError(errno)) ?? "errno " + errno;
}
