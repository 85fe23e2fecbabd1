using System.Runtime.InteropServices;
using System.Text;
using Hookline.Shared;

namespace Hookline.Sidecar.Internal.Transcripts;

/// <summary>
/// An agent's transcript, opened only if it is what it should be. Its path comes from the agent's hook input, so it is
/// hostile: it must name a regular file, owned by this user and not writable by others, below one of the agent's own
/// transcript directories, with no symbolic link, <c>..</c> or special file on the way. The walk opens each directory
/// with <c>O_NOFOLLOW</c> relative to the last (so nothing can be swapped between a check and the open), checks the
/// final entry's type before opening it (a FIFO or device is never opened), opens it non-blocking without following a
/// link, and checks the opened descriptor again.
/// </summary>
internal sealed unsafe partial class TranscriptFile : IDisposable
{
    private const int ELOOP = 40;
    private const int ENOTDIR = 20;
    private const int EINTR = 4;
    private const int O_RDONLY = 0;
    private const int O_NOCTTY = 0x100;
    private const int O_NONBLOCK = 0x800;
    private const int O_CLOEXEC = 0x80000;
    private const int AT_EMPTY_PATH = 0x1000;
    private const int RegularType = 0x8000;
    private const int SymlinkType = 0xA000;
    private const int OthersWrite = 0x2; // S_IWOTH
    private const uint StatxMask = LinuxAbi.STATX_TYPE_MODE_UID | 0x100 | 0x200; // + STATX_INO, STATX_SIZE
    private const int StatxInodeOffset = 32;
    private const int StatxSizeOffset = 40;
    private const int MaxPathBytes = 4096;

    // O_DIRECTORY and O_NOFOLLOW differ between x64 and arm64.
    private static readonly bool Arm = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;
    private static readonly int O_DIRECTORY = Arm ? 0x4000 : 0x10000;
    private static readonly int O_NOFOLLOW = Arm ? 0x8000 : 0x20000;

    private int _fd;

    private TranscriptFile(int fd, ulong inode, long size)
    {
        _fd = fd;
        Inode = inode;
        Size = size;
    }

    /// <summary>Identifies the file, so a transcript replaced under the same name is read from its start.</summary>
    public ulong Inode { get; }

    public long Size { get; }

    /// <summary>Opens <paramref name="path"/> if it passes every check; otherwise null, with the reason.</summary>
    public static TranscriptFile? Open(string path, IReadOnlyList<string> roots, out string refusal)
    {
        if (!OperatingSystem.IsLinux())
        {
            refusal = "transcripts are read on Linux only";
            return null;
        }
        if (path.Length == 0 || path.Length > MaxPathBytes || path[0] != '/' || path.Contains('\0'))
        {
            refusal = "not an absolute path of a sane length";
            return null;
        }
        var root = roots.FirstOrDefault(r => r.Length > 1 && path.StartsWith(r.TrimEnd('/') + "/", StringComparison.Ordinal));
        if (root is null)
        {
            refusal = $"not under the agent's transcript directory ({string.Join(", ", roots)})";
            return null;
        }
        var parts = path[(root.TrimEnd('/').Length + 1)..].Split('/');
        if (parts.Any(p => p is "" or "." or ".."))
        {
            refusal = "the path has an empty, '.' or '..' component";
            return null;
        }
        if (!parts[^1].EndsWith(".jsonl", StringComparison.Ordinal))
        {
            refusal = "not a .jsonl transcript";
            return null;
        }
        var directory = OpenAt(LinuxAbi.AT_FDCWD, root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (directory < 0)
        {
            refusal = $"the transcript directory cannot be opened (errno {Marshal.GetLastPInvokeError()})";
            return null;
        }
        try
        {
            foreach (var part in parts[..^1])
            {
                var next = OpenAt(directory, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                var errno = Marshal.GetLastPInvokeError();
                Close(directory);
                directory = next;
                if (next < 0)
                {
                    refusal = errno is ELOOP or ENOTDIR
                        ? $"'{part}' on the way is a symbolic link or not a directory"
                        : $"'{part}' on the way cannot be opened (errno {errno})";
                    return null;
                }
                if (Problem(next, null, directory: true) is { } dirProblem)
                {
                    refusal = $"'{part}' on the way {dirProblem}";
                    return null;
                }
            }
            // The entry's own type, before anything opens it: a FIFO would block, a device may act on open.
            if (Problem(directory, parts[^1], directory: false) is { } entryProblem)
            {
                refusal = "the file " + entryProblem;
                return null;
            }
            var fd = OpenAt(directory, parts[^1], O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
            if (fd < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                refusal = errno == ELOOP ? "the file is a symbolic link" : $"the file cannot be opened (errno {errno})";
                return null;
            }
            // What was opened, checked again on the descriptor: the entry may have been swapped since.
            var buffer = stackalloc byte[LinuxAbi.StatxBytes];
            var empty = stackalloc byte[1];
            empty[0] = 0;
            var opened = LinuxAbi.Statx(fd, empty, AT_EMPTY_PATH, StatxMask, buffer) != 0
                ? $"cannot be inspected (errno {Marshal.GetLastPInvokeError()})"
                : Problem(buffer, directory: false);
            if (opened is not null)
            {
                Close(fd);
                refusal = "the opened file " + opened;
                return null;
            }
            refusal = "";
            return new TranscriptFile(fd, *(ulong*)(buffer + StatxInodeOffset), *(long*)(buffer + StatxSizeOffset));
        }
        finally
        {
            if (directory >= 0)
            {
                Close(directory);
            }
        }
    }

    /// <summary>Reads at <paramref name="offset"/> without moving anything; 0 at the end.</summary>
    public int Read(Span<byte> buffer, long offset)
    {
        fixed (byte* start = buffer)
        {
            while (true)
            {
                var read = PRead(_fd, start, buffer.Length, offset);
                if (read >= 0)
                {
                    return (int)read;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno != EINTR)
                {
                    throw new IOException($"reading the transcript failed (errno {errno})");
                }
            }
        }
    }

    public void Dispose()
    {
        if (_fd >= 0)
        {
            Close(_fd);
            _fd = -1;
        }
    }

    /// <summary>What is wrong with the entry <paramref name="name"/> of <paramref name="directoryFd"/> (the descriptor itself when null).</summary>
    private static string? Problem(int directoryFd, string? name, bool directory)
    {
        var buffer = stackalloc byte[LinuxAbi.StatxBytes];
        var path = Encoding.UTF8.GetBytes((name ?? "") + "\0");
        fixed (byte* p = path)
        {
            if (LinuxAbi.Statx(directoryFd, p, name is null ? AT_EMPTY_PATH : LinuxAbi.AT_SYMLINK_NOFOLLOW, StatxMask, buffer) != 0)
            {
                return $"cannot be inspected (errno {Marshal.GetLastPInvokeError()})";
            }
        }
        return Problem(buffer, directory);
    }

    private static string? Problem(byte* statx, bool directory)
    {
        var mode = LinuxAbi.StatxMode(statx);
        var type = mode & LinuxAbi.FileTypeMask;
        if (type == SymlinkType)
        {
            return "is a symbolic link";
        }
        if (type != (directory ? LinuxAbi.DirectoryType : RegularType))
        {
            return directory ? "is not a directory" : $"is not a regular file (file type {Convert.ToString(type, 8)})";
        }
        var uid = LinuxAbi.StatxUid(statx);
        if (uid != LinuxAbi.GetEuid())
        {
            return $"is owned by uid {uid}, not by this user ({LinuxAbi.GetEuid()})";
        }
        if ((mode & OthersWrite) != 0)
        {
            return "is writable by other users";
        }
        return null;
    }

    private static int OpenAt(int directoryFd, string name, int flags)
    {
        var path = Encoding.UTF8.GetBytes(name + "\0");
        fixed (byte* p = path)
        {
            return OpenAtNative(directoryFd, p, flags, 0);
        }
    }

    [LibraryImport("libc", EntryPoint = "openat", SetLastError = true)]
    private static partial int OpenAtNative(int directoryFd, byte* path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static partial nint PRead(int fd, byte* buffer, nint count, long offset);

    // Nothing to do about a failed close of a descriptor only read from.
    private static void Close(int fd) => _ = CloseNative(fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int CloseNative(int fd);
}
