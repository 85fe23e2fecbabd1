using Hookline.Shared;

namespace Hookline.Hook.Internal;

/// <summary>What the environment adds to the arguments: socket fallback, fail mode and timeout.</summary>
/// <param name="TimeoutMs">The hook's whole budget: reading stdin, the exchange, starting the daemon and retrying.</param>
/// <param name="IsDaemonDefault">No socket was given: <see cref="SocketPath"/> is the per-user daemon's default one.</param>
/// <param name="CappedTimeoutMs">The HOOKLINE_HOOK_TIMEOUT_MS asked for, when it was over <see cref="MaxTimeoutMs"/>; else null.</param>
internal sealed record HookSettings(string SocketPath, bool FailOpen, string? UnrecognisedFailMode, int TimeoutMs, bool IsDaemonDefault = false,
    int? CappedTimeoutMs = null)
{
    internal const int DefaultTimeoutMs = 5000;

    /// <summary>
    /// The longest budget the hook takes, whatever HOOKLINE_HOOK_TIMEOUT_MS says, for everything but a person's
    /// approval (which the sidecar extends up to <see cref="AgentNames.ApprovalWaitCapMs"/>): well inside the timeout
    /// Hookline's wiring writes for an agent, so the hook answers its deny itself. An agent that times a hook out runs
    /// the tool in some agents (Qwen Code, GitHub Copilot CLI).
    /// </summary>
    internal const int MaxTimeoutMs = 20_000;

    /// <summary>Whether this run's fail mode answers deny for <paramref name="arguments"/>' event.</summary>
    internal bool Denies(HookArguments arguments) => !FailOpen && AgentNames.IsBlocking(arguments.Agent, arguments.Event);

    /// <summary>Only the fail mode, read from the environment: for a run whose settings could not be read.</summary>
    internal static bool FailOpenFromEnvironment()
        => IsOpen(Environment.GetEnvironmentVariable("HOOKLINE_FAIL_MODE")?.Trim());

    private static bool IsOpen(string? failMode) => string.Equals(failMode, "open", StringComparison.OrdinalIgnoreCase);

    internal static HookSettings From(HookArguments arguments)
    {
        var socket = arguments.SocketPath ?? Environment.GetEnvironmentVariable("HOOKLINE_SOCKET");
        var failMode = Environment.GetEnvironmentVariable("HOOKLINE_FAIL_MODE")?.Trim();
        var failOpen = IsOpen(failMode);
        var recognised = string.IsNullOrEmpty(failMode) || failOpen
            || string.Equals(failMode, "closed", StringComparison.OrdinalIgnoreCase);
        var timeoutMs = ParseTimeout(Environment.GetEnvironmentVariable("HOOKLINE_HOOK_TIMEOUT_MS"));
        return new HookSettings(
            string.IsNullOrEmpty(socket) ? DaemonSocket.DefaultPath() : socket,
            failOpen,
            recognised ? null : failMode,
            Math.Min(timeoutMs, MaxTimeoutMs),
            string.IsNullOrEmpty(socket),
            timeoutMs > MaxTimeoutMs ? timeoutMs : null);
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
