using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Policy;
using Hookline.Shared;
using PolicyModeV1 = Hookline.Contracts.V1.PolicyMode;
using PolicySnapshot = Hookline.Policy.PolicySnapshot;

namespace Hookline.Core;

/// <summary>
/// Turns a hook event into a <see cref="Decision"/> with one policy snapshot. The server and the sidecar's local
/// fallback both call this, so a rule decides the same way wherever it is evaluated.
/// </summary>
public static class DecisionEngine
{
    /// <summary>Evaluates <paramref name="hookEvent"/> and applies the document's mode.</summary>
    public static Decision Decide(HookEvent hookEvent, PolicySnapshot snapshot, PolicySessionState? session = null)
    {
        var document = snapshot.Policy.Document;
        var decision = new Decision
        {
            CorrelationId = hookEvent.CorrelationId,
            EventId = hookEvent.EventId,
            PolicyEpoch = snapshot.Epoch,
            Mode = ToProto(document.Mode),
        };

        if (document.Mode == Hookline.Policy.PolicyMode.Disabled)
        {
            // Disabled records only: the agent's own prompts decide.
            decision.Verdict = Verdict.Allow;
            decision.IsDefault = true;
            decision.ReasonCode = "disabled";
            decision.Reason = "policy disabled";
            return decision;
        }

        PolicyDecision evaluated;
        ApprovalSubject? approvalSubject = null;
        try
        {
            // Text the reader cannot decode (a lone surrogate escape, bytes that are not UTF-8) would throw midway
            // through the rules, or be read as something else: the command it hides is never judged, it is refused.
            if (JsonValidity.Problem(hookEvent.ToolInput.Span) is { } problem)
            {
                return Malformed(decision, "tool_input has text that cannot be read: " + problem);
            }
            // The tool input is parsed once and lives only for this evaluation: no copy of the JSON.
            using var toolInput = hookEvent.ToolInput.IsEmpty ? null : JsonDocument.Parse(hookEvent.ToolInput.Memory);
            var input = ToPolicyInput(hookEvent, toolInput?.RootElement ?? default);
            evaluated = snapshot.Policy.Evaluate(input, session);
            if (evaluated is { Effect: Effect.Ask, Approval: not null } && document.Mode == Hookline.Policy.PolicyMode.Enforce)
            {
                approvalSubject = ApprovalSubject.Of(input);
            }
        }
        catch (JsonException ex)
        {
            // tool_input that is not JSON cannot be judged; treat it like malformed hook input.
            return Malformed(decision, $"tool_input is not valid JSON: {ex.Message}");
        }
        catch (Exception ex) when (JsonValidity.IsMalformedInput(ex))
        {
            return Malformed(decision, $"tool_input cannot be read: {ex.Message}");
        }

        decision.Evaluated = ToProto(evaluated.Effect);
        decision.RuleIds.AddRange(evaluated.RuleIds);
        decision.Matched = evaluated.Matched ?? "";
        decision.Reason = evaluated.Reason ?? "";
        decision.ReasonCode = evaluated.ReasonCode;

        if (document.Mode == Hookline.Policy.PolicyMode.Observe && evaluated.Effect != Effect.Allow)
        {
            // Observe never blocks; the would-be decision travels in Evaluated for the audit trail.
            decision.Verdict = Verdict.Allow;
            decision.IsDefault = true;
            decision.ReasonCode = "observe";
            return decision;
        }

        decision.Verdict = decision.Evaluated;
        decision.IsDefault = evaluated.IsDefault;
        if (approvalSubject is not null && evaluated.Approval is { } approval)
        {
            // Still ASK: the server turns it into PENDING for a sidecar that can wait; every other path applies on_timeout.
            decision.ApprovalRequired = ToProto(approval, approvalSubject);
        }
        if (InputRewrite.Applies(document, evaluated))
        {
            InputRewrite.Apply(hookEvent, document, evaluated, decision);
        }
        return decision;
    }

    /// <summary>The deny unreadable input gets (observe mode included): it cannot be judged, so it is never allowed.</summary>
    private static Decision Malformed(Decision decision, string reason)
    {
        decision.Verdict = Verdict.Deny;
        decision.Evaluated = Verdict.Deny;
        decision.ReasonCode = Names.Of(DecisionSource.MalformedInput);
        decision.Reason = reason;
        return decision;
    }

    /// <summary>Whether decisions of this policy depend on session history: rate limits, taints or escalation.</summary>
    public static bool UsesSessionState(CompiledPolicy policy)
    {
        var document = policy.Document;
        return document.Taints.Count > 0 || document.Escalate is not null || document.Rules.Any(r => r.Rate is not null);
    }

    /// <summary>
    /// Runs a few synthetic events through <paramref name="snapshot"/> so the first real tool call does not pay for
    /// JIT compilation of the matchers, which alone can exceed a millisecond budget.
    /// </summary>
    public static void Warm(PolicySnapshot snapshot)
    {
        var session = new PolicySessionState(TimeProvider.System);
        foreach (var (tool, input) in WarmupEvents)
        {
            Decide(new HookEvent
            {
                EventId = "warmup",
                SessionId = "warmup",
                Agent = AgentNames.Claude,
                HookEventName = "PreToolUse",
                ToolName = tool,
                Cwd = "/tmp/hookline-warmup",
                ToolInput = Google.Protobuf.ByteString.CopyFromUtf8(input),
            }, snapshot, session);
        }
    }

    private static readonly (string Tool, string Input)[] WarmupEvents =
    [
        ("Bash", "{\"command\":\"cd build && FOO=1 timeout 5 make test | tee out.log\"}"),
        ("Read", "{\"file_path\":\"src/../README.md\"}"),
        ("Edit", "{\"file_path\":\"/tmp/hookline-warmup/a.txt\"}"),
        ("WebFetch", "{\"url\":\"https://example.com/x\"}"),
        ("mcp__warmup__tool", "{}"),
    ];

    /// <summary>Builds the policy library's input from a hook event and its parsed tool input.</summary>
    public static PolicyInput ToPolicyInput(HookEvent hookEvent, JsonElement toolInput)
    {
        return new PolicyInput
        {
            ToolName = hookEvent.ToolName,
            ToolInput = toolInput,
            HookEvent = hookEvent.HookEventName,
            Cwd = NullIfEmpty(hookEvent.Cwd),
            Agent = NullIfEmpty(hookEvent.Agent),
            SessionId = NullIfEmpty(hookEvent.SessionId),
            Prompt = NullIfEmpty(hookEvent.Prompt),
            ToolUseId = NullIfEmpty(hookEvent.ToolUseId),
            HomeDirectory = NullIfEmpty(hookEvent.HomeDirectory),
            ProjectDirectory = NullIfEmpty(hookEvent.ProjectDirectory),
            CaseInsensitivePaths = hookEvent.CaseInsensitivePaths,
            UserHomes = hookEvent.UserHomes.Count == 0 ? null : hookEvent.UserHomes,
            ResolvedPaths = hookEvent.ResolvedPaths.Count == 0 ? null : hookEvent.ResolvedPaths,
            User = NullIfEmpty(hookEvent.User),
            Org = NullIfEmpty(hookEvent.Org),
        };
    }

    /// <summary>What the policy says about an ask a person answers, and the subject they approve.</summary>
    public static ApprovalRequirement ToProto(ApprovalSpec approval, ApprovalSubject subject)
    {
        var requirement = new ApprovalRequirement
        {
            TimeoutMs = (uint)approval.Timeout.TotalMilliseconds,
            OnTimeout = ToProto(approval.OnTimeout),
            RememberSession = approval.RememberSession,
            SelfApprove = approval.SelfApprove,
            RuleId = approval.RuleId,
            Subject = subject.Subject,
            SubjectKey = subject.Key,
        };
        requirement.Approvers.AddRange(approval.By);
        return requirement;
    }

    public static Verdict ToProto(Effect effect) => effect switch
    {
        Effect.Allow => Verdict.Allow,
        Effect.Ask => Verdict.Ask,
        _ => Verdict.Deny,
    };

    public static PolicyModeV1 ToProto(Hookline.Policy.PolicyMode mode) => mode switch
    {
        Hookline.Policy.PolicyMode.Observe => PolicyModeV1.Observe,
        Hookline.Policy.PolicyMode.Disabled => PolicyModeV1.Disabled,
        _ => PolicyModeV1.Enforce,
    };

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
