namespace Hookline.Hook.Internal;

/// <summary>
/// The per-user daemon's socket, used when neither --socket nor HOOKLINE_SOCKET is given:
/// <c>$XDG_RUNTIME_DIR/hookline/sidecar.sock</c>, else <c>/tmp/hookline-UID/sidecar.sock</c> (the sidecar's
/// <c>Platform.DaemonSocketPath</c> computes the same).
/// </summary>
internal static class DaemonSocket
{
    internal static string DefaultPath()
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        return !string.IsNullOrEmpty(runtime) && runtime[0] == '/'
            ? runtime.TrimEnd('/') + "/hookline/sidecar.sock"
            : "/tmp/hookline-" + Libc.GetUid().ToString(System.Globalization.CultureInfo.InvariantCulture) + "/sidecar.sock";
    }
}
