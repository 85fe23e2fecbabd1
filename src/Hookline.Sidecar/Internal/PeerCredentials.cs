using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Hookline.Sidecar.Internal;

/// <summary>SO_PEERCRED: the uid of the process at the other end of a Unix socket (Linux).</summary>
internal static partial class PeerCredentials
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    [StructLayout(LayoutKind.Sequential)]
    private struct UCred
    {
        public int Pid;
        public uint Uid;
        public uint Gid;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int getsockopt(nint socket, int level, int name, void* value, ref uint length);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    public static uint EffectiveUid => OperatingSystem.IsLinux() ? geteuid() : 0;

    /// <summary>The peer's uid, or null where the platform cannot tell.</summary>
    public static unsafe uint? PeerUid(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        UCred credentials;
        var length = (uint)sizeof(UCred);
        return getsockopt(socket.Handle, SolSocket, SoPeerCred, &credentials, ref length) == 0 ? credentials.Uid : null;
    }
}
