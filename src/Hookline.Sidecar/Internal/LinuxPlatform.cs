using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Hookline.Shared;

namespace Hookline.Sidecar.Internal;

/// <summary>Linux: SO_PEERCRED for the peer's uid, statx (one layout on every architecture) for owner and mode.</summary>
internal sealed unsafe class LinuxPlatform : Platform
{
    public override uint EffectiveUid => LinuxAbi.GetEuid();

    public override bool ReadsPeerUid => true;

    public override uint? PeerUid(Socket socket)
    {
        LinuxAbi.UCred credentials;
        var length = (uint)sizeof(LinuxAbi.UCred);
        return LinuxAbi.GetPeerCred((int)socket.Handle, LinuxAbi.SOL_SOCKET, LinuxAbi.SO_PEERCRED, &credentials, &length) == 0
            ? credentials.Uid
            : null;
    }

    public override (uint Owner, UnixFileMode Mode, bool IsDirectory)? Inspect(string path)
    {
        var utf8 = new byte[Encoding.UTF8.GetByteCount(path) + 1];
        Encoding.UTF8.GetBytes(path, utf8);
        var buffer = stackalloc byte[LinuxAbi.StatxBytes];
        fixed (byte* start = utf8)
        {
            if (LinuxAbi.Statx(LinuxAbi.AT_FDCWD, start, LinuxAbi.AT_SYMLINK_NOFOLLOW, LinuxAbi.STATX_TYPE_MODE_UID, buffer) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno == LinuxAbi.ENOENT ? null : throw new IOException($"cannot inspect {path}: errno {errno}");
            }
        }
        var uid = LinuxAbi.StatxUid(buffer);
        var mode = LinuxAbi.StatxMode(buffer);
        return (uid, (UnixFileMode)(mode & 0xFFF), (mode & LinuxAbi.FileTypeMask) == LinuxAbi.DirectoryType);
    }
}
