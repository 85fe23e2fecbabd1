namespace Hookline.Hook.Internal;

/// <summary>What the environment adds to the arguments: socket fallback, fail mode and timeout.</summary>
/// <param name="IsDaemonDefault">No socket was given: <see cref="SocketPath"/> is the per-user daemon's default one.</param>
internal sealed record HookSettings(string SocketPath, bool FailOpen, string? UnrecognisedFailMode, int TimeoutMs, bool IsDaemonDefault = false)
{
    internal const int DefaultTimeoutMs = 5000;

    internal static HookSettings From(HookArguments arguments)
    {
        var socket = arguments.SocketPath ?? Environment.GetEnvironmentVariable("HOOKLINE_SOCKET");
        var failMode = Environment.GetEnvironmentVariable("HOOKLINE_FAIL_MODE")?.Trim();
        var failOpen = string.Equals(failMode, "open", StringComparison.OrdinalIgnoreCase);
        var recognised = string.IsNullOrEmpty(failMode) || failOpen
            || string.Equals(failMode, "closed", StringComparison.OrdinalIgnoreCase);
        return new HookSettings(
            string.IsNullOrEmpty(socket) ? DaemonSocket.DefaultPath() : socket,
            failOpen,
            recognised ? null : failMode,
            ParseTimeout(Environment.GetEnvironmentVariable("HOOKLINE_HOOK_TIMEOUT_MS")),
            string.IsNullOrEmpty(socket));
    }

    /// <summary>Plain decimal digits only; hand-parsed so no culture data is touched at start-up.</summary>
    private static int ParseTimeout(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > 9)
        {
            return DefaultTimeoutMs;
        }
        var ms = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return DefaultTimeoutMs;
            }
            ms = ms * 10 + (c - '0');
        }
        return ms > 0 ? ms : DefaultTimeoutMs;
    }
}
