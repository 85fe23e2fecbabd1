namespace Hookline.Hook.Internal;

/// <summary>
/// Why the sidecar gave no usable answer; <see cref="Kind"/> is "unreachable", "silent" or "failed", or "hook" when
/// the hook itself failed (its stdin, its stdout, an exception).
/// <see cref="Untrusted"/> marks an unreachable socket that someone else may control: the daemon is not started for it.
/// </summary>
internal readonly record struct SidecarFailure(string Kind, string Why, bool Untrusted = false)
{
    internal static SidecarFailure Unreachable(string why) => new("unreachable", why);

    /// <summary>The socket's directory or its listener is not this user's: nothing is sent and nothing is retried.</summary>
    internal static SidecarFailure Untrust(string why) => new("unreachable", "untrusted socket: " + why, Untrusted: true);

    internal static SidecarFailure Silent(string why) => new("silent", why);

    internal static SidecarFailure Failed(string why) => new("failed", why);

    internal static SidecarFailure Hook(string why) => new("hook", why);

    /// <summary>Nothing listens at a socket this user controls: starting the per-user daemon may help.</summary>
    internal bool MayStartDaemon => Kind == "unreachable" && !Untrusted;

    public override string ToString() => (Kind == "hook" ? "hook failed: " : "sidecar " + Kind + ": ") + Why;
}
