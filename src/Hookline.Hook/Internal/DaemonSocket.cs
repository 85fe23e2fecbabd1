using System.Globalization;
using System.Text;
using Hookline.Shared;

namespace Hookline.Hook.Internal;

/// <summary>
/// The per-user daemon's socket, used when neither --socket nor HOOKLINE_SOCKET is given:
/// <c>$XDG_RUNTIME_DIR/hookline/sidecar.sock</c>, else <c>STATE/hookline/run/sidecar.sock</c> under the user's state
/// directory; only when that passes the socket path limit, <c>/tmp/hookline-EUID/sidecar.sock</c>, which
/// <see cref="SocketTrust"/> refuses unless this user made it 0700. The sidecar's <c>Platform.DaemonSocketPath</c>
/// computes the same.
/// </summary>
internal static class DaemonSocket
{
    /// <summary>sun_path holds 108 bytes on Linux and 104 on macOS; the sidecar stays under the smaller.</summary>
    internal const int MaxPathBytes = 103;

    internal static string DefaultPath()
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtime) && runtime[0] == '/')
        {
            return runtime.TrimEnd('/') + "/hookline/sidecar.sock";
        }
        if (XdgState.Home() is { } state)
        {
            var path = state + "/hookline/run/sidecar.sock";
            if (Encoding.UTF8.GetByteCount(path) <= MaxPathBytes)
            {
                return path;
            }
        }
        return "/tmp/hookline-" + LinuxAbi.GetEuid().ToString(CultureInfo.InvariantCulture) + "/sidecar.sock";
    }
}
