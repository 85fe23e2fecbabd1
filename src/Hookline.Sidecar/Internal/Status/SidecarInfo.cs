namespace Hookline.Sidecar.Internal.Status;

internal static class SidecarInfo
{
    public static readonly string Version =
        typeof(SidecarInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
