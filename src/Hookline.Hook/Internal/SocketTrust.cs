using System.Text;
using Hookline.Shared;

namespace Hookline.Hook.Internal;

/// <summary>
/// Whether a socket may be given a hook's stdin. Before connecting: its directory is this user's own, mode 0700, and
/// not a symlink, so no one else can have put the socket there. After connecting: SO_PEERCRED shows this user or root
/// as the listener. An uid that cannot be read fails the check; it is never taken for root.
/// </summary>
internal static unsafe class SocketTrust
{
    private const int GroupOrOtherBits = 0x3F;

    /// <summary>The socket's directory, without following a symlink.</summary>
    /// <param name="missing">True when it does not exist: nothing listens, which is not a trust problem.</param>
    /// <returns>Why the directory is not trusted, or null.</returns>
    internal static string? DirectoryProblem(string socketPath, out bool missing)
    {
        missing = false;
        if (socketPath.Length == 0)
        {
            return "the socket path is empty";
        }
        var full = socketPath[0] == '/' ? socketPath : Path.GetFullPath(socketPath);
        var slash = full.LastIndexOf('/');
        var directory = slash == 0 ? "/" : full[..slash];
        var path = new byte[Encoding.UTF8.GetByteCount(directory) + 1];
        Encoding.UTF8.GetBytes(directory, path);
        var buffer = stackalloc byte[LinuxAbi.StatxBytes];
        fixed (byte* start = path)
        {
            if (LinuxAbi.Statx(LinuxAbi.AT_FDCWD, start, LinuxAbi.AT_SYMLINK_NOFOLLOW, LinuxAbi.STATX_TYPE_MODE_UID, buffer) != 0)
            {
                var errno = Libc.LastErrno;
                missing = errno == LinuxAbi.ENOENT;
                return missing ? null : "cannot inspect " + directory + ": " + Libc.Describe(errno);
            }
        }
        var owner = LinuxAbi.StatxUid(buffer);
        var mode = LinuxAbi.StatxMode(buffer);
        var self = LinuxAbi.GetEuid();
        if ((mode & LinuxAbi.FileTypeMask) != LinuxAbi.DirectoryType)
        {
            return directory + " is not a directory (a symlink is never followed)";
        }
        if (owner != self)
        {
            return directory + " belongs to uid " + owner + ", not to uid " + self;
        }
        if ((mode & GroupOrOtherBits) != 0)
        {
            return directory + " has mode " + Convert.ToString(mode & 0xFFF, 8) + "; it must be 700";
        }
        return null;
    }

    /// <summary>The listener's uid, from SO_PEERCRED on the connected socket.</summary>
    /// <returns>Why the listener is not trusted, or null when it is this user or root.</returns>
    internal static string? PeerProblem(int fd)
    {
        // Filled in by the kernel; preset to an uid no one has, so a short answer can never read as root.
        var credentials = new LinuxAbi.UCred { Uid = uint.MaxValue };
        var length = (uint)sizeof(LinuxAbi.UCred);
        if (LinuxAbi.GetPeerCred(fd, LinuxAbi.SOL_SOCKET, LinuxAbi.SO_PEERCRED, &credentials, &length) != 0)
        {
            return "the listener's uid cannot be read: " + Libc.Describe(Libc.LastErrno);
        }
        if (length < sizeof(LinuxAbi.UCred))
        {
            return "the listener's uid cannot be read: SO_PEERCRED gave " + length + " bytes";
        }
        var self = LinuxAbi.GetEuid();
        return credentials.Uid == self || credentials.Uid == 0
            ? null
            : "the socket is served by uid " + credentials.Uid + ", not by uid " + self + " or root";
    }
}
