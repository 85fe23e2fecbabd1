using Hookline.Shared;

namespace Hookline.Hook.Internal;

/// <summary>What the hook answers on its own when the sidecar gave no usable reply, or the hook itself failed.</summary>
internal static class FailModeDecision
{
    /// <summary>Records the decision as an orphan, tells the agent, and returns the exit code.</summary>
    internal static int Apply(HookArguments arguments, HookSettings settings, RequestFrame request, SidecarFailure failure)
    {
        var deny = settings.Denies(arguments);
        var reason = failure.ToString();
        if (settings.UnrecognisedFailMode is { } unrecognised)
        {
            reason += "; HOOKLINE_FAIL_MODE '" + unrecognised + "' is not closed or open, so closed applies";
        }
        if (settings.CappedTimeoutMs is { } asked)
        {
            reason += "; HOOKLINE_HOOK_TIMEOUT_MS " + asked + " is over the hook's limit of " + settings.TimeoutMs + " ms, so the limit applies";
        }

        OrphanLog.TryAppend(new OrphanRecord(
            DateTime.UtcNow,
            arguments.Agent,
            arguments.Event,
            deny,
            settings.FailOpen,
            reason,
            request.Stdin.Length,
            request.StdinTruncated,
            Fnv1a64.Hash(request.Stdin),
            Libc.GetPid()));

        if (!deny)
        {
            return 0;
        }
        var line = "hookline: policy unavailable (" + Printable.Of(reason) + "); blocked (fail mode closed)";
        if (NativeDeny.For(arguments.Agent, arguments.Event, line) is { } answer)
        {
            FdOutput.WriteAll(Libc.StdoutFd, answer);
        }
        // Exit 2 blocks the action in every agent Hookline wires; stderr is what the agent shows as the reason.
        FdOutput.WriteErrorLine(line);
        return 2;
    }

    /// <summary>
    /// The answer when the hook itself threw. Native AOT aborts on an unhandled exception (exit 134), and Qwen Code
    /// and GitHub Copilot CLI run the tool when a hook crashes, so a crash must end in the fail mode's answer too.
    /// </summary>
    /// <param name="arguments">Null when the failure came before they were parsed: then it blocks.</param>
    /// <param name="settings">Null when the failure came before they were read.</param>
    internal static int AfterCrash(HookArguments? arguments, HookSettings? settings, RequestFrame request, Exception exception)
    {
        var deny = arguments is null || (settings?.Denies(arguments) ?? AgentNames.IsBlocking(arguments.Agent, arguments.Event));
        try
        {
            var failure = SidecarFailure.Hook(exception.GetType().Name + ": " + exception.Message);
            if (arguments is null)
            {
                FdOutput.WriteErrorLine("hookline: " + Printable.Of(failure.ToString()) + "; blocked");
                return 2;
            }
            settings ??= new HookSettings("", HookSettings.FailOpenFromEnvironment(), null, HookSettings.DefaultTimeoutMs);
            return Apply(arguments, settings, request, failure);
        }
        catch (Exception)
        {
            // Failing again (out of memory, say): a fixed answer that allocates nothing.
            if (!deny)
            {
                return 0;
            }
            FdOutput.WriteAll(Libc.StdoutFd, NativeDeny.Fixed(arguments?.Agent));
            FdOutput.WriteAll(Libc.StderrFd, "hookline: the hook failed; blocked (fail mode closed)\n"u8);
            return 2;
        }
    }
}
