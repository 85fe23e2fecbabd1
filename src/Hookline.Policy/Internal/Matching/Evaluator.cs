using Hookline.Policy.Internal.FileArguments;
using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Runners;
using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Matching;

/// <summary>A rule that matched an event, for explanations. Applied is false when a rate limit was not yet exceeded.</summary>
internal readonly record struct RuleHit(CompiledRule Rule, string Pattern, string Subject, bool Applied);

/// <summary>
/// Decides one event against a compiled rule set: deny beats ask beats allow; for Bash, deny/ask match if ANY
/// sub-command (or redirect target) matches, allow only if EVERY sub-command is allowed.
/// </summary>
internal static partial class Evaluator
{
    /// <summary>Session facts and hooks for session-aware rules; the caller holds the session lock.</summary>
    internal sealed class SessionView(PolicySessionState state, DateTimeOffset now, bool record)
    {
        public PolicySessionState State { get; } = state;
        public DateTimeOffset Now { get; } = now;
        public bool Record { get; } = record;
    }

    public static PolicyDecision Decide(CompiledPolicy policy, EventSubject subject, ReadOnlySpan<CompiledRule> candidates, EvaluationContext? context, SessionView? session, List<RuleHit>? trace)
    {
        var input = subject.Input;
        context ??= EvaluationScratch.Current.Context.Set(input, subject.Tool, null, 0);
        if (subject.Tool == ToolNames.Bash && subject.Shell is not null)
        {
            return DecideBash(policy, subject, subject.Shell, candidates, context, session, trace);
        }

        // One subject: the first deny, else ask, else allow rule decides (all of that effect are reported).
        List<CompiledRule>? deny = null, ask = null;
        var allow = EvaluationScratch.Current.Allowed;
        allow.Clear();
        string? denyMatched = null, askMatched = null;
        var unparsable = subject.UnparsableReason is not null;
        var rawBash = unparsable && subject.Tool == ToolNames.Bash;
        var unknownMcpServer = false;
        foreach (var rule in candidates)
        {
            if (!Preconditions(rule, context))
            {
                continue;
            }

            if (unparsable && rule.Effect == Effect.Allow)
            {
                continue; // an event we cannot read can never be allowed
            }

            var hitPattern = rawBash ? MatchRawCommand(rule, subject.RawCommand ?? "") : MatchSingle(rule, subject);
            if (hitPattern is null)
            {
                continue;
            }

            var applied = RateAllows(rule, session);
            trace?.Add(new RuleHit(rule, hitPattern, Described(subject, rawBash), applied));
            if (!applied)
            {
                continue;
            }

            switch (rule.Effect)
            {
                case Effect.Deny when McpNames.McpUnknownServer.Downgrades(subject, hitPattern):
                    // The agent did not name the server: the deny may or may not be about it. Never allow; ask.
                    (ask ??= []).Add(rule);
                    askMatched ??= Described(subject, rawBash);
                    unknownMcpServer |= ask.Count == 1;
                    break;
                case Effect.Deny:
                    (deny ??= []).Add(rule);
                    denyMatched ??= Described(subject, rawBash);
                    break;
                case Effect.Ask:
                    (ask ??= []).Add(rule);
                    askMatched ??= Described(subject, rawBash);
                    break;
                default:
                    allow.Add(rule);
                    break;
            }
        }

        if (deny is not null)
        {
            return FromRules(Effect.Deny, deny, denyMatched);
        }

        if (ask is not null)
        {
            return unknownMcpServer ? McpNames.McpUnknownServer.Decision(ask, askMatched) : FromRules(Effect.Ask, ask, askMatched);
        }

        if (OpaquePathDecision(policy, subject, context) is { } opaque)
        {
            return opaque;
        }

        if (SearchScope.Uncertain(policy, subject, context, trace) is { } searchReaches)
        {
            return searchReaches;
        }

        if (unparsable)
        {
            var code = subject.Tool == ToolNames.Bash ? ReasonCodes.UnparsableCommand : ReasonCodes.UnparsableUrl;
            var what = subject.Tool == ToolNames.Bash ? "command" : "URL";
            return new PolicyDecision(Effect.Ask, false, $"unparsable {what}: {subject.UnparsableReason}", code, [], null);
        }

        return allow.Count > 0 ? policy.AllowDecision(allow) : policy.DefaultDecision;
    }

    /// <summary>What a rule matched, as reported: the raw command when it could not be parsed, else the subject.</summary>
    private static string Described(EventSubject subject, bool rawBash) => rawBash ? subject.RawCommand ?? "" : subject.Describe();

    private static PolicyDecision DecideBash(CompiledPolicy policy, EventSubject subject, ShellScan shell, ReadOnlySpan<CompiledRule> candidates, EvaluationContext context, SessionView? session, List<RuleHit>? trace)
    {
        var commands = shell.Commands;
        List<CompiledRule>? deny = null, ask = null;
        var allow = EvaluationScratch.Current.Allowed;
        allow.Clear();
        string? denyMatched = null, askMatched = null;
        ulong coveredMask = 0;
        bool[]? coveredMany = commands.Count > 64 ? new bool[commands.Count] : null;
        var coveredCount = 0;
        string[]? writePaths = null, readPaths = null;
        RuleHit? nested = null;

        foreach (var rule in candidates)
        {
            if (!Preconditions(rule, context))
            {
                continue;
            }

            if (rule.Effect == Effect.Allow)
            {
                // Allow: mark which sub-commands this rule covers.
                var matchedAny = false;
                for (var i = 0; i < commands.Count; i++)
                {
                    var command = commands[i];
                    var forms = shell.Forms[shell, i];
                    if (command.IsDynamic || command.IsProbe || (command.OpaqueCodeEnd > 0
                        ? OpaqueCode.OpaqueCodeRules.MatchExactly(rule, shell[forms.AllowText], command)
                        : MatchCommand(rule, shell[forms.AllowText])) is not { } p)
                    {
                        continue;
                    }

                    if (!matchedAny)
                    {
                        matchedAny = true;
                        if (!RateAllows(rule, session))
                        {
                            trace?.Add(new RuleHit(rule, p, shell.Text.ToStringOrNull(command.Text)!, false));
                            break;
                        }

                        allow.Add(rule);
                    }

                    trace?.Add(new RuleHit(rule, p, shell.Text.ToStringOrNull(command.Text)!, true));
                    if (coveredMany is not null)
                    {
                        if (!coveredMany[i])
                        {
                            coveredMany[i] = true;
                            coveredCount++;
                        }
                    }
                    else if ((coveredMask & (1UL << i)) == 0)
                    {
                        coveredMask |= 1UL << i;
                        coveredCount++;
                    }
                }

                continue;
            }

            // Deny / ask: any sub-command, or any redirect target, is enough.
            var matchedPattern = MatchAnyCommandOrTarget(rule, subject, shell, ref writePaths, ref readPaths, out var matched);
            if (matchedPattern is null)
            {
                nested ??= MatchLaterWord(rule, shell);
                continue;
            }

            var applied = RateAllows(rule, session);
            trace?.Add(new RuleHit(rule, matchedPattern, matched!, applied));
            if (!applied)
            {
                continue;
            }

            if (rule.Effect == Effect.Deny)
            {
                (deny ??= []).Add(rule);
                denyMatched ??= matched;
            }
            else
            {
                (ask ??= []).Add(rule);
                askMatched ??= matched;
            }
        }

        if (deny is not null)
        {
            return FromRules(Effect.Deny, deny, denyMatched);
        }

        if (OpaqueCode.OpaqueCodeRules.Verdict(policy, shell, coveredMask, coveredMany, ask is not null) is { } opaqueCode)
        {
            return opaqueCode;
        }

        if (ask is not null)
        {
            return FromRules(Effect.Ask, ask, askMatched);
        }

        if (nested is { } hit)
        {
            trace?.Add(hit);
            return NestedDecision(policy, hit);
        }

        if (shell.Concern is { } concern)
        {
            return ConcernDecision(policy, shell, concern);
        }

        if (FileArgumentRules.Uncertain(policy, candidates, context, subject, trace) is { } protectedArgument)
        {
            return protectedArgument;
        }

        if (shell.HasUnknownRedirectTarget && HasApplicableFileRule(candidates, context))
        {
            var effect = policy.Document.Default == Effect.Deny ? Effect.Deny : Effect.Ask;
            return new PolicyDecision(effect, false, "a redirect target is only known at run time, and file rules apply", ReasonCodes.DynamicRedirect, [], subject.RawCommand);
        }

        if (OpaqueTargetDecision(policy, subject, shell, candidates, context) is { } opaqueTarget)
        {
            return opaqueTarget;
        }

        if (shell.HasDynamicCommand)
        {
            var dynamic = shell.Text.ToStringOrNull(commands.Find(c => c.IsDynamic).Text)!;
            // Never allow; ask, or deny when that is the default anyway.
            var effect = policy.Document.Default == Effect.Deny ? Effect.Deny : Effect.Ask;
            return new PolicyDecision(effect, false, $"the command name is only known at run time: {dynamic}", ReasonCodes.DynamicCommand, [], dynamic);
        }

        if (DecideUnresolved(policy, shell, candidates, context) is { } unresolved)
        {
            return unresolved;
        }

        if (allow.Count > 0 && commands.Count > 0 && coveredCount == commands.Count - OpaqueCode.OpaqueCodeRules.ProbeCount(commands))
        {
            return FileArgumentRules.WithheldAllow(policy, candidates, context, subject) ?? policy.AllowDecision(allow);
        }

        return policy.DefaultDecision;
    }

    private static string? MatchAnyCommandOrTarget(CompiledRule rule, EventSubject subject, ShellScan shell, ref string[]? writePaths, ref string[]? readPaths, out string? matched)
    {
        matched = null;
        if (shell.Commands.Count == 0)
        {
            // Nothing runs ("", "# note", "X=1"), but "deny any Bash" still means any Bash call.
            foreach (var pattern in rule.Match)
            {
                if ((pattern.Kind == PatternKind.AnyUse && pattern.AppliesTo(ToolNames.Bash)) || (pattern.Kind == PatternKind.Command && pattern.Command!.MatchesEverything))
                {
                    matched = subject.RawCommand ?? "";
                    return pattern.Text;
                }
            }
        }

        for (var i = 0; i < shell.Commands.Count; i++)
        {
            var command = shell.Commands[i];
            var forms = shell.Forms[shell, i];
            var pattern = MatchCommand(rule, shell[forms.Text])
                ?? (forms.BaseName.HasValue ? MatchCommand(rule, shell[forms.BaseName]) : null)
                ?? (forms.Privileged.HasValue ? MatchCommand(rule, shell[forms.Privileged]) : null)
                ?? MatchOptionAware(rule, shell, command, subject);
            if (pattern is not null)
            {
                matched = shell.Text.ToStringOrNull(command.Text);
                return pattern;
            }
        }

        if (MatchPipelines(rule, shell, out matched) is { } piped)
        {
            return piped;
        }

        if (!rule.HasFileAccessPatterns)
        {
            return null;
        }

        // (NormalizeAll allocates its closure on entry: call it only when there are targets.)
        writePaths ??= shell.WriteTargets.Count == 0 ? [] : NormalizeAll(shell.WriteTargets, subject);
        readPaths ??= shell.ReadTargets.Count == 0 ? [] : NormalizeAll(shell.ReadTargets, subject);
        return MatchFileAccess(rule, writePaths, write: true, subject, out matched)
            ?? MatchFileAccess(rule, readPaths, write: false, subject, out matched)
            ?? FileArgumentRules.MatchKnown(rule, subject, out matched);
    }

    /// <summary>Whether the rule's patterns match the event the way a deny rule would (used for taint sources).</summary>
    internal static bool MatchesLikeDeny(CompiledRule rule, EventSubject subject)
    {
        if (subject.Tool == ToolNames.Bash)
        {
            if (subject.Shell is { } shell)
            {
                string[]? w = null, r = null;
                return MatchAnyCommandOrTarget(rule, subject, shell, ref w, ref r, out _) is not null;
            }

            return MatchRawCommand(rule, subject.RawCommand ?? "") is not null;
        }

        return MatchSingle(rule, subject) is not null;
    }

    private static bool HasApplicableFileRule(ReadOnlySpan<CompiledRule> candidates, EvaluationContext context)
    {
        foreach (var rule in candidates)
        {
            if (rule.Effect != Effect.Allow && rule.HasFileAccessPatterns && Preconditions(rule, context))
            {
                return true;
            }
        }

        return false;
    }

    internal static bool Preconditions(CompiledRule rule, EvaluationContext context) =>
        rule.AppliesToAgent(context.Input.Agent) && (rule.When is null || rule.When.Evaluate(context));

    private static bool RateAllows(CompiledRule rule, SessionView? session)
    {
        if (rule.Rate is null)
        {
            return true;
        }

        // Without session state there is nothing to count: a rate rule does not apply.
        return session is not null && session.State.CheckRate(rule.Id, rule.Rate, session.Now, session.Record);
    }

    private static PolicyDecision FromRules(Effect effect, List<CompiledRule> rules, string? matched)
    {
        var first = rules[0];
        var ids = new string[rules.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = rules[i].Id;
        }

        return new PolicyDecision(effect, false, first.Reason, first.ReasonCode, ids, matched);
    }
}
