using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Hookline.Sidecar.Internal;

/// <summary>Linux: SO_PEERCRED for the peer's uid, statx (one layout on every architecture) for owner and mode.</summary>
internal sealed unsafe partial class LinuxPlatform : Platform
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxTypeModeUid = 0x1 | 0x2 | 0x8;
    private const int FileTypeMask = 0xF000;
    private const int DirectoryType = 0x4000;
    private const int ENOENT = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct UCred
    {
        public int Pid;
        public uint Uid;
        public uint Gid;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getsockopt(nint socket, int level, int name, void* value, ref uint length);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);

    public override uint EffectiveUid => geteuid();

    public override bool ReadsPeerUid => true;

    public override uint? PeerUid(Socket socket)
    {
        UCred credentials;
        var length = (uint)sizeof(UCred);
        return getsockopt(socket.Handle, SolSocket, SoPeerCred, &credentials, ref length) == 0 ? credentials.Uid : null;
    }

    public override (uint Owner, UnixFileMode Mode, bool IsDirectory)? Inspect(string path)
    {
        // struct statx: stx_uid at byte 20, stx_mode (u16) at byte 28; 256 bytes in all.
        var buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxTypeModeUid, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == ENOENT ? null : throw new IOException($"cannot inspect {path}: errno {errno}");
        }
        var uid = *(uint*)(buffer + 20);
        var mode = *(ushort*)(buffer + 28);
        return (uid, (UnixFileMode)(mode & 0xFFF), (mode & FileTypeMask) == DirectoryType);
    }
}
