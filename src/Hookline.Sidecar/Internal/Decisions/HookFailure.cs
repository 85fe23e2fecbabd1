using Hookline.Contracts.V1;
using Hookline.Policy;
using Hookline.Sidecar.Internal.Agents;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Internal.Decisions;

/// <summary>
/// The answer for a hook whose handling threw: every request is answered, whatever fails behind the listener.
/// A blocking event gets the fail mode, in the agent's own shape; the rest are let through, as when unreachable.
/// </summary>
internal static class HookFailure
{
    public static HookReply Answer(HookRequest request, SidecarFailMode failMode, Exception fault)
    {
        var adapter = AgentAdapters.Find(request.Agent);
        if (adapter is null)
        {
            return HookJson.Block("internal error in the Hookline sidecar");
        }
        // Input the sidecar could not read is never allowed, whatever the fail mode: it may hide any command.
        var unreadable = JsonValidity.IsMalformedInput(fault);
        if (!adapter.IsBlocking(request.Event) || (failMode == SidecarFailMode.Open && !unreadable))
        {
            return HookReply.Empty;
        }
        var outcome = unreadable
            ? new HookOutcome(Verdict.Deny, false, "malformed hook input: " + fault.Message, DecisionSource.MalformedInput)
            : new HookOutcome(Verdict.Deny, false, "internal error in the Hookline sidecar; blocked (fail mode closed)", DecisionSource.FailClosed);
        try
        {
            return adapter.Encode(request.Event, outcome);
        }
        catch (Exception)
        {
            return HookJson.Block(outcome.Reason);
        }
    }
}
