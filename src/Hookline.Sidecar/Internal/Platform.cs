using System.Net.Sockets;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Internal;

/// <summary>
/// What differs between Unix systems, in one place: the peer's uid on a Unix socket, the owner and mode of the
/// socket's directory, and where the per-user daemon's socket lives. Linux is implemented and tested; elsewhere
/// (macOS) a portable fallback checks modes only and cannot see the peer's uid.
/// </summary>
internal abstract class Platform
{
    public static Platform Current { get; } = OperatingSystem.IsLinux() ? new LinuxPlatform() : new PortablePlatform();

    public abstract uint EffectiveUid { get; }

    /// <summary>The uid of the process at the other end of a Unix socket, or null where the platform cannot tell.</summary>
    public abstract uint? PeerUid(Socket socket);

    /// <summary>Whether <see cref="PeerUid"/> is implemented: where it is, a uid it cannot read is refused.</summary>
    public virtual bool ReadsPeerUid => false;

    /// <summary>Owner and permission bits of a path, without following a symlink; null when it does not exist.</summary>
    public abstract (uint Owner, UnixFileMode Mode, bool IsDirectory)? Inspect(string path);

    /// <summary>
    /// Creates <paramref name="directory"/> (and any missing parent) with mode 0700, or accepts an existing one only
    /// when it is a real directory of this user that no one else can enter. Throws <see cref="IOException"/> with the
    /// reason otherwise: a directory someone else made first is refused, never adopted or chmod-ed.
    /// </summary>
    public void EnsurePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the hook socket needs Unix file modes");
        }
        if (Inspect(directory) is null)
        {
            Core.PrivateFiles.CreateDirectory(directory);
        }
        var found = Inspect(directory) ?? throw new IOException($"{directory} could not be created");
        if (!found.IsDirectory)
        {
            throw new IOException($"refusing {directory}: it is not a directory (a symlink or a file is never followed)");
        }
        if (found.Owner != EffectiveUid)
        {
            throw new IOException($"refusing {directory}: it belongs to uid {found.Owner}, not to uid {EffectiveUid}");
        }
        if ((found.Mode & ~Core.PrivateFiles.DirectoryMode) != 0)
        {
            throw new IOException($"refusing {directory}: its mode {Convert.ToString((int)found.Mode, 8)} lets other users in; it must be 700");
        }
    }

    /// <summary>
    /// The per-user daemon's socket: <c>$XDG_RUNTIME_DIR/hookline/sidecar.sock</c>, else <c>run/sidecar.sock</c> in
    /// the state directory; when that passes the socket path limit, <c>/tmp/hookline-UID/sidecar.sock</c> (created
    /// 0700 and refused when someone else made it). The hook computes the same path (src/Hookline.Hook, DaemonSocket).
    /// </summary>
    public string DaemonSocketPath() => PrivateSocketPath("sidecar.sock", Path.Combine(SidecarOptions.DefaultStateDirectory(), "run"));

    /// <summary>
    /// <c>$XDG_RUNTIME_DIR/hookline/NAME</c>, else <c>STATEDIR/NAME</c>; when that passes
    /// <see cref="HookSocketListener.MaxSocketPathBytes"/>, <c>/tmp/hookline-UID/NAME</c>.
    /// </summary>
    public string PrivateSocketPath(string name, string stateDirectory)
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtime) && Path.IsPathRooted(runtime))
        {
            return Path.Combine(runtime, "hookline", name);
        }
        var preferred = Path.Combine(stateDirectory, name);
        return Path.IsPathRooted(preferred) && System.Text.Encoding.UTF8.GetByteCount(preferred) <= HookSocketListener.MaxSocketPathBytes
            ? preferred
            : Path.Combine("/tmp", $"hookline-{EffectiveUid}", name);
    }

    /// <summary>Modes only; the owner is taken to be this user (untested outside Linux).</summary>
    private sealed class PortablePlatform : Platform
    {
        public override uint EffectiveUid => 0;

        public override uint? PeerUid(Socket socket) => null;

        public override (uint Owner, UnixFileMode Mode, bool IsDirectory)? Inspect(string path)
        {
            var info = new DirectoryInfo(path);
            if (!info.Exists && !File.Exists(path))
            {
                return null;
            }
            var isDirectory = info.Exists && info.LinkTarget is null;
            return (EffectiveUid, OperatingSystem.IsWindows() ? 0 : File.GetUnixFileMode(path), isDirectory);
        }
    }
}
