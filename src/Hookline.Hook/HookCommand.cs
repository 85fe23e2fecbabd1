using Hookline.Hook.Internal;
using Hookline.Shared;

namespace Hookline.Hook;

/// <summary>
/// <c>hookline hook --agent NAME --event EVENT [--socket PATH] [--approval-wait]</c>: forwards stdin to the local sidecar
/// and relays its answer (exit code, stdout, stderr). When the sidecar is unreachable or fails, or the hook itself fails,
/// applies HOOKLINE_FAIL_MODE, within HOOKLINE_HOOK_TIMEOUT_MS in all, unless the sidecar says the call waits for a
/// person's approval: then within what it says, at most <see cref="AgentNames.ApprovalWaitCapMs"/> from the hook's start.
/// Only a hook run with <c>--approval-wait</c> (the wiring writes it with the long agent timeout) offers that wait: one
/// without it was installed with a shorter agent timeout, so it asks for no wait and a pending call's on_timeout applies.
/// </summary>
public static class HookCommand
{
    /// <summary>
    /// The hook timeout Hookline's wiring writes for every agent (Cli/Wiring, <see cref="AgentNames.WrittenHookTimeoutMs"/>).
    /// The hook's own budget, and its approval wait, stay well inside it, so that the hook, not the agent's timeout,
    /// answers: some agents run the tool when a hook times out.
    /// </summary>
    public const int AgentTimeoutMs = AgentNames.WrittenHookTimeoutMs;

    /// <summary>
    /// Written by Hookline's wiring on every hook command, beside <see cref="AgentTimeoutMs"/>: the hook may wait for a
    /// person. A hook command without it (an older wiring, a shorter agent timeout) asks for no approval wait.
    /// </summary>
    public const string ApprovalWaitFlag = "--approval-wait";

    /// <summary>Runs one hook exchange against fds 0, 1 and 2.</summary>
    /// <param name="args">The arguments after the program name, e.g. <c>--agent claude --event pre-tool-use</c>.</param>
    /// <returns>The process exit code: the sidecar's, or the fail mode's (2 blocks), or 2 for a usage error.</returns>
    public static int Run(string[] args)
    {
        var startedAt = Environment.TickCount64;
        HookArguments? arguments = null;
        HookSettings? settings = null;
        var request = RequestFrame.None;
        try
        {
            if (!HookArguments.TryParse(args, out arguments, out var problem))
            {
                // Exit 2 so that a miswired hook blocks rather than silently allows.
                FdOutput.WriteErrorLine("hookline: " + problem + "; " + HookArguments.Usage);
                return 2;
            }
            settings = HookSettings.From(arguments);
            var deadline = startedAt + settings.TimeoutMs;
            request = RequestFrame.ReadFromStdin(arguments.Agent, arguments.Event, deadline);
            // Without the flag the agent's timeout may be shorter than a person's answer: offer no wait at all.
            var approvalDeadline = arguments.ApprovalWait ? startedAt + AgentNames.ApprovalWaitCapMs : startedAt;
            return Decide(arguments, settings, request, deadline, approvalDeadline);
        }
        catch (Exception e)
        {
            // Native AOT aborts on an exception that escapes (exit 134): an agent that runs the tool on a crashed
            // hook would then run it ungoverned. Whatever failed, the fail mode answers.
            return FailModeDecision.AfterCrash(arguments, settings, request, e);
        }
    }

    /// <param name="approvalDeadline">The latest the hook waits for a person's answer, from its start.</param>
    private static int Decide(HookArguments arguments, HookSettings settings, RequestFrame request, long deadline, long approvalDeadline)
    {
        if (request.StdinProblem is { } unreadable)
        {
            return FailModeDecision.Apply(arguments, settings, request, SidecarFailure.Hook(unreadable));
        }
        var now = Environment.TickCount64;
        request.SetDeadline(deadline - now, approvalDeadline - now);
        var payload = SidecarClient.Exchange(settings.SocketPath, request.Bytes, deadline, settings.TimeoutMs, approvalDeadline, out var failure);
        if (payload is null && failure.MayStartDaemon && settings.IsDaemonDefault)
        {
            payload = StartDaemonAndRetry(settings, request.Bytes, deadline, approvalDeadline, ref failure);
        }

        if (payload is not null)
        {
            if (ReplyFrame.TryParse(payload, out var reply, out var malformed))
            {
                return Relay(arguments, settings, request, reply);
            }
            failure = SidecarFailure.Failed(malformed);
        }
        return FailModeDecision.Apply(arguments, settings, request, failure);
    }

    /// <summary>
    /// Passes the sidecar's answer on. An answer on stdout that does not reach the agent whole is no answer (GitHub
    /// Copilot CLI's deny is an exit 0 with JSON), so it is a failure the fail mode answers, with the exit code.
    /// </summary>
    private static int Relay(HookArguments arguments, HookSettings settings, RequestFrame request, ReplyFrame reply)
    {
        var delivered = FdOutput.WriteAll(Libc.StdoutFd, reply.Stdout);
        var undelivered = delivered ? null : "the sidecar's answer could not be written whole to stdout: " + Libc.Describe(Libc.LastErrno);
        FdOutput.WriteAll(Libc.StderrFd, reply.Stderr);
        if (undelivered is null || reply.ExitCode != 0)
        {
            return reply.ExitCode;
        }
        return FailModeDecision.Apply(arguments, settings, request, SidecarFailure.Hook(undelivered));
    }

    /// <summary>
    /// The per-user daemon is not running (after a reboot, say): start it, and retry within what is left of the
    /// timeout, so fail-closed does not block every tool call until someone notices.
    /// </summary>
    private static byte[]? StartDaemonAndRetry(HookSettings settings, ReadOnlySpan<byte> request, long deadline, long approvalDeadline, ref SidecarFailure failure)
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
        while (true)
        {
            var left = (int)(deadline - Environment.TickCount64);
            if (left <= 0)
            {
                failure = SidecarFailure.Unreachable(failure.Why + " (the daemon started on demand did not answer within " + settings.TimeoutMs + " ms)");
                return null;
            }
            var payload = SidecarClient.Exchange(settings.SocketPath, request, deadline, left, approvalDeadline, out var again);
            if (payload is not null || !again.MayStartDaemon)
            {
                failure = again;
                return payload;
            }
            Thread.Sleep(Math.Min(20, left));
        }
    }
}
