using System.Runtime.InteropServices;

namespace Hookline.Shared;

/// <summary>
/// The Linux ABI both ends of the hook socket read (x64 and arm64 alike): SO_PEERCRED for the peer's uid, statx for
/// a path's owner and mode. Linked as source into the hook (which references no project) and the sidecar.
/// </summary>
internal static unsafe partial class LinuxAbi
{
    internal const int ENOENT = 2;

    internal const int SOL_SOCKET = 1;
    internal const int SO_PEERCRED = 17;

    internal const int AT_FDCWD = -100;
    internal const int AT_SYMLINK_NOFOLLOW = 0x100;
    internal const uint STATX_TYPE_MODE_UID = 0x1 | 0x2 | 0x8;

    // struct statx has one layout on every architecture: stx_uid (u32) at byte 20, stx_mode (u16) at 28; 256 bytes.
    internal const int StatxBytes = 256;
    internal const int StatxUidOffset = 20;
    internal const int StatxModeOffset = 28;

    /// <summary>S_IFMT and S_IFDIR: the file type bits of a mode, and the directory type.</summary>
    internal const int FileTypeMask = 0xF000;
    internal const int DirectoryType = 0x4000;

    /// <summary>struct ucred, what SO_PEERCRED fills in.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct UCred
    {
        public int Pid;
        public uint Uid;
        public uint Gid;
    }

    [LibraryImport("libc", EntryPoint = "getsockopt", SetLastError = true)]
    internal static partial int GetPeerCred(int fd, int level, int name, UCred* value, uint* valueLength);

    /// <param name="path">NUL-terminated UTF-8.</param>
    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true)]
    internal static partial int Statx(int dirFd, byte* path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    internal static partial uint GetEuid();

    internal static uint StatxUid(byte* buffer) => *(uint*)(buffer + StatxUidOffset);

    internal static ushort StatxMode(byte* buffer) => *(ushort*)(buffer + StatxModeOffset);
}
