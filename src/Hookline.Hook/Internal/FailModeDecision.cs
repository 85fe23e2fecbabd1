using Hookline.Shared;

namespace Hookline.Hook.Internal;

/// <summary>What the hook answers on its own when the sidecar gave no usable reply.</summary>
internal static class FailModeDecision
{
    /// <summary>Records the decision as an orphan, tells the agent, and returns the exit code.</summary>
    internal static int Apply(HookArguments arguments, HookSettings settings, RequestFrame request, SidecarFailure failure)
    {
        var deny = !settings.FailOpen && AgentNames.IsBlocking(arguments.Agent, arguments.Event);
        var reason = failure.ToString();
        if (settings.UnrecognisedFailMode is { } unrecognised)
        {
            reason += "; HOOKLINE_FAIL_MODE '" + unrecognised + "' is not closed or open, so closed applies";
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
        // Exit 2 blocks the action in Claude Code, Codex and Gemini CLI; stderr is what the agent shows as the reason.
        FdOutput.WriteErrorLine("hookline: policy unavailable (" + Printable.Of(reason) + "); blocked (fail mode closed)");
        return 2;
    }
}
