using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>
/// A hook reply as the body of Claude Code's HTTP hook response. Claude reads a 2xx body exactly as a command hook's
/// stdout; a status code alone never blocks (non-2xx is a non-blocking error), so where a command hook would exit 2
/// with a reason on stderr, the HTTP answer carries the same refusal in the event's JSON shape.
/// </summary>
internal static class ClaudeHttpAnswer
{
    public static ReadOnlyMemory<byte> From(string hookEvent, HookReply reply)
    {
        if (reply.ExitCode == 0)
        {
            return reply.Stdout;
        }
        var reason = reply.Stderr.Trim();
        var refusal = new HookOutcome(Verdict.Deny, false, reason, DecisionSource.MalformedInput);
        var encoded = hookEvent switch
        {
            "pre-tool-use" => ClaudeAdapter.PreToolUse("PreToolUse", refusal),
            "permission-request" => ClaudeAdapter.PermissionRequest(refusal),
            _ => HookJson.Json(HookJson.Write(w =>
            {
                w.WriteString("decision", "block");
                w.WriteString("reason", reason);
            })),
        };
        return encoded.Stdout;
    }
}
