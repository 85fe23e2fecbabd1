using Hookline.Hook.Internal;
using Hookline.Shared;

namespace Hookline.Hook;

/// <summary>
/// <c>hookline hook --agent NAME --event EVENT [--socket PATH]</c>: forwards stdin to the local sidecar and relays its
/// answer (exit code, stdout, stderr). When the sidecar is unreachable or fails, applies HOOKLINE_FAIL_MODE.
/// </summary>
public static class HookCommand
{
    /// <summary>Runs one hook exchange against fds 0, 1 and 2.</summary>
    /// <param name="args">The arguments after the program name, e.g. <c>--agent claude --event pre-tool-use</c>.</param>
    /// <returns>The process exit code: the sidecar's, or the fail mode's (2 blocks), or 2 for a usage error.</returns>
    public static int Run(string[] args)
    {
        if (!HookArguments.TryParse(args, out var arguments, out var problem))
        {
            // Exit 2 so that a miswired hook blocks rather than silently allows.
            FdOutput.WriteErrorLine("hookline: " + problem + "; " + HookArguments.Usage);
            return 2;
        }
        var settings = HookSettings.From(arguments);
        var request = RequestFrame.ReadFromStdin(arguments.Agent, arguments.Event);

        var startedAt = Environment.TickCount64;
        var payload = SidecarClient.Exchange(settings.SocketPath, request.Bytes, settings.TimeoutMs, out var failure);
        if (payload is null && failure.MayStartDaemon && settings.IsDaemonDefault)
        {
            payload = StartDaemonAndRetry(settings, request.Bytes, startedAt, ref failure);
        }

        if (payload is not null)
        {
            if (ReplyFrame.TryParse(payload, out var reply, out var malformed))
            {
                FdOutput.WriteAll(Libc.StdoutFd, reply.Stdout);
                FdOutput.WriteAll(Libc.StderrFd, reply.Stderr);
                return reply.ExitCode;
            }
            failure = SidecarFailure.Failed(malformed);
        }
        return FailModeDecision.Apply(arguments, settings, request, failure);
    }

    /// <summary>
    /// The per-user daemon is not running (after a reboot, say): start it, and retry within what is left of the
    /// timeout, so fail-closed does not block every tool call until someone notices.
    /// </summary>
    private static byte[]? StartDaemonAndRetry(HookSettings settings, ReadOnlySpan<byte> request, long startedAt, ref SidecarFailure failure)
    {
        if (!DaemonLauncher.Enabled() || DaemonLauncher.Program() is not { } program)
        {
            failure = SidecarFailure.Unreachable(failure.Why + " (no daemon runs; start one with `hookline sidecar --daemon` or set HOOKLINE_SOCKET)");
            return null;
        }
        if (!DaemonLauncher.TryStart(program))
        {
            failure = SidecarFailure.Unreachable(failure.Why + " (starting " + program + " --daemon failed)");
            return null;
        }
        var deadline = startedAt + settings.TimeoutMs;
        while (true)
        {
            var left = (int)(deadline - Environment.TickCount64);
            if (left <= 0)
            {
                failure = SidecarFailure.Unreachable(failure.Why + " (the daemon started on demand did not answer within " + settings.TimeoutMs + " ms)");
                return null;
            }
            var payload = SidecarClient.Exchange(settings.SocketPath, request, left, out var again);
            if (payload is not null || !again.MayStartDaemon)
            {
                failure = again;
                return payload;
            }
            Thread.Sleep(Math.Min(20, left));
        }
    }
}
