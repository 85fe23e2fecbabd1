namespace Hookline.Hook.Internal;

/// <summary>Why the sidecar gave no usable answer; <see cref="Kind"/> is "unreachable", "silent" or "failed".</summary>
internal readonly record struct SidecarFailure(string Kind, string Why)
{
    internal static SidecarFailure Unreachable(string why) => new("unreachable", why);

    internal static SidecarFailure Silent(string why) => new("silent", why);

    internal static SidecarFailure Failed(string why) => new("failed", why);

    public override string ToString() => "sidecar " + Kind + ": " + Why;
}
