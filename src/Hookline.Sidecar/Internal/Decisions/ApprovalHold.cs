using System.Globalization;
using System.Net.Sockets;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Sidecar.Internal.Agents;
using Hookline.Sidecar.Internal.Listening;
using Hookline.Sidecar.Internal.ServerStream;

namespace Hookline.Sidecar.Internal.Decisions;

/// <summary>
/// Holds a hook whose call waits for a person (the server's VERDICT_PENDING) until the approval is resolved, or until
/// the approval expires or the hook's own deadline comes, whichever is first: then its on_timeout applies, never allow.
/// No local decision stands in meanwhile; a broken stream only delays the resolution (<see cref="AwaitedApprovals"/>).
/// </summary>
internal sealed class ApprovalHold(AwaitedApprovals approvals, TimeProvider time)
{
    /// <summary>
    /// Kept between the hook's deadline and the sidecar's: the sidecar applies on_timeout this long before the hook
    /// would give up, so the hook's fail mode never decides a pending call while the sidecar lives.
    /// </summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);

    /// <summary>HookEvent.approval_wait_ms for a request: what the hook can wait, less <see cref="Margin"/>.</summary>
    public static uint WaitMsOf(HookRequest request)
        => (uint)Math.Clamp((request.ApprovalWait - Margin).TotalMilliseconds, 0, uint.MaxValue);

    /// <summary>The applied outcome, and the decision to record it with (its reason code that of the resolution).</summary>
    public async ValueTask<(HookOutcome Outcome, Decision Applied)> HoldAsync(HookRequest request, HookEvent hookEvent, Decision pending, long readAt)
    {
        var approval = pending.Approval ?? new ApprovalPending();
        var who = Approvers(approval.Approvers);
        var untilHookGivesUp = TimeSpan.FromMilliseconds(hookEvent.ApprovalWaitMs) - time.GetElapsedTime(readAt);
        var untilExpiry = approval.ExpiresAt is { } expires ? expires.ToDateTimeOffset() - time.GetUtcNow() : TimeSpan.Zero;
        var wait = untilHookGivesUp < untilExpiry ? untilHookGivesUp : untilExpiry;
        if (wait <= TimeSpan.Zero || approval.ApprovalId.Length == 0)
        {
            return TimedOut(pending, approval.OnTimeout, who, readAt);
        }
        // Registered before anything is awaited: the resolution may come on the stream right behind the decision.
        var resolution = approvals.Await(approval.ApprovalId, hookEvent.EventId);
        try
        {
            if (request.Interim is { } interim)
            {
                // The hook waits this long from now (its own cap still applies), a margin past the sidecar's on_timeout.
                var seconds = Math.Ceiling(wait.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                await interim(wait + Margin, $"waiting for approval by {who} (up to {seconds} s)").ConfigureAwait(false);
            }
            var resolved = await resolution.WaitAsync(wait, time).ConfigureAwait(false);
            return Resolved(pending, resolved, who, readAt);
        }
        catch (TimeoutException)
        {
            return TimedOut(pending, approval.OnTimeout, who, readAt);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
        {
            // The hook went away before it was told to wait: it applied its own fail mode. Record on_timeout, never allow.
            return TimedOut(pending, approval.OnTimeout, who, readAt);
        }
        finally
        {
            approvals.Release(approval.ApprovalId);
        }
    }

    /// <summary>
    /// Past the budget, for a call the local policy says needs a person: waits on for the server's decision (its
    /// VERDICT_PENDING, or whatever else it decides), up to what the hook can wait for a person. Null when the stream
    /// broke, the hook went away, or that bound passed: then the call's on_timeout applies, never allow.
    /// </summary>
    public async ValueTask<Decision?> WaitForServerAsync(HookRequest request, HookEvent hookEvent, Task<Decision> decision, long readAt)
    {
        var wait = TimeSpan.FromMilliseconds(hookEvent.ApprovalWaitMs) - time.GetElapsedTime(readAt);
        if (wait <= TimeSpan.Zero)
        {
            return null;
        }
        try
        {
            if (request.Interim is { } interim && !decision.IsCompleted)
            {
                // Past the hook's own budget perhaps: it waits this long from now, showing nothing (no message).
                await interim(wait + Margin, "").ConfigureAwait(false);
            }
            return await decision.WaitAsync(wait, time).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException or StreamDownException or SocketException or IOException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>
    /// A decision made here (the server away, or past the budget) that needs a person: nobody can be asked, so its
    /// on_timeout applies at once. A local decision never approves.
    /// </summary>
    public static (HookOutcome Outcome, Decision Applied) Unreachable(Decision local)
    {
        var required = local.ApprovalRequired;
        var reason = $"needs approval by {Approvers(required.Approvers)}, but the Hookline server cannot be reached to ask for it";
        return Applied(local, OnTimeout(required.OnTimeout), reason, DecisionSource.ApprovalTimeout, ApprovalProtocol.UnsupportedCode, 0);
    }

    /// <summary>Whether a decision made here needs a person's approval (which only the server can ask for).</summary>
    public static bool NeedsApproval(Decision decision) => decision.Verdict == Verdict.Ask && decision.ApprovalRequired is not null;

    private (HookOutcome, Decision) Resolved(Decision pending, ApprovalResolved resolved, string who, long readAt)
    {
        if (resolved.TimedOut)
        {
            return Applied(pending, OnTimeout(resolved.Verdict), NoAnswer(who, readAt), DecisionSource.ApprovalTimeout,
                Or(resolved.ReasonCode, ApprovalProtocol.TimedOutCode), resolved.PolicyEpoch);
        }
        var by = resolved.AnsweredBy.Length > 0 ? " by " + resolved.AnsweredBy : "";
        if (resolved.Verdict == Verdict.Allow)
        {
            var reason = "approved" + by + (resolved.Reason.Length > 0 ? ": " + resolved.Reason : "");
            return Applied(pending, Verdict.Allow, reason, DecisionSource.Approval, Or(resolved.ReasonCode, ApprovalProtocol.ApprovedCode), resolved.PolicyEpoch);
        }
        // Denied, not found, or a verdict this sidecar does not know: a deny.
        var denied = resolved.AnsweredBy.Length > 0
            ? "denied" + by + (resolved.Reason.Length > 0 ? ": " + resolved.Reason : "")
            : Or(resolved.Reason, "approval denied");
        return Applied(pending, Verdict.Deny, denied, DecisionSource.Approval, Or(resolved.ReasonCode, ApprovalProtocol.DeniedCode), resolved.PolicyEpoch);
    }

    private (HookOutcome, Decision) TimedOut(Decision pending, Verdict onTimeout, string who, long readAt)
        => Applied(pending, OnTimeout(onTimeout), NoAnswer(who, readAt), DecisionSource.ApprovalTimeout, ApprovalProtocol.TimedOutCode, 0);

    private string NoAnswer(string who, long readAt)
        => $"no answer from {who} within {Math.Round(time.GetElapsedTime(readAt).TotalSeconds).ToString(CultureInfo.InvariantCulture)} s";

    private static (HookOutcome, Decision) Applied(Decision decision, Verdict verdict, string reason, DecisionSource source, string reasonCode, ulong epoch)
    {
        var applied = decision.Clone();
        applied.Verdict = verdict;
        applied.Reason = reason;
        applied.ReasonCode = reasonCode;
        applied.IsDefault = false;
        applied.UpdatedInput = Google.Protobuf.ByteString.Empty;
        if (epoch != 0)
        {
            applied.PolicyEpoch = epoch;
        }
        return (new HookOutcome(verdict, false, reason, source), applied);
    }

    /// <summary>on_timeout is deny or ask (the agent's own prompt); anything else, allow above all, is deny.</summary>
    private static Verdict OnTimeout(Verdict onTimeout) => onTimeout == Verdict.Ask ? Verdict.Ask : Verdict.Deny;

    private static string Approvers(IEnumerable<string> approvers)
        => string.Join(", ", approvers) is { Length: > 0 } named ? named : ApprovalProtocol.AnyApprover;

    private static string Or(string value, string fallback) => value.Length > 0 ? value : fallback;
}
