using System.Collections.Concurrent;
using Hookline.Policy.Internal.Approvals;
using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Runners;
using Hookline.Policy.Internal;

namespace Hookline.Policy;

/// <summary>A policy compiled for evaluation. Immutable; any number of threads may evaluate it at once.</summary>
public sealed class CompiledPolicy
{
    private const int MaxCachedTools = 4096;
    private const int MaxCachedAllowSets = 4096;

    private readonly CompiledRule[] _rules;
    private readonly CompiledTaint[] _taints;
    private readonly ConcurrentDictionary<string, CompiledRule[]> _rulesByTool = new(StringComparer.Ordinal);
    private readonly BashRuleIndex _bashIndex;
    private readonly ConcurrentDictionary<string, SubjectRuleIndex> _subjectIndexes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<RuleSet, PolicyDecision> _allowDecisions = new();
    private readonly Dictionary<string, PolicyRule> _approvalRules;

    private CompiledPolicy(PolicyDocument document)
    {
        Document = document;
        _rules = document.Rules.Select((r, i) => new CompiledRule(r, i)).ToArray();
        _taints = document.Taints.Select(t => new CompiledTaint(t)).ToArray();
        _bashIndex = new BashRuleIndex(CandidatesFor(ToolNames.Bash, ""));
        _approvalRules = document.Rules.Where(r => r.Effect == Effect.Ask && r.Approval is not null).ToDictionary(r => r.Id, StringComparer.Ordinal);
        DefaultDecision = new PolicyDecision(document.Default, true, $"no rule matched; the policy default is {document.Default.ToString().ToLowerInvariant()}", ReasonCodes.Default, [], null);
    }

    public PolicyDocument Document { get; }

    /// <summary>The compiled rules, in document order (for <see cref="PolicyNotes"/>).</summary>
    internal CompiledRule[] Rules => _rules;

    internal PolicyDecision DefaultDecision { get; }

    /// <summary>Compiles a validated document. Patterns and regexes were already checked by <see cref="PolicyDocument.Parse"/>.</summary>
    public static CompiledPolicy Compile(PolicyDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        return new CompiledPolicy(document);
    }

    /// <summary>Parse + Compile. Throws <see cref="PolicyException"/> listing every error.</summary>
    public static CompiledPolicy Load(string text, string source = "<policy>") => Compile(PolicyDocument.Parse(text, source));

    /// <summary>Decides one event without session state (rate rules never apply; no taints).</summary>
    public PolicyDecision Evaluate(PolicyInput input) => Evaluate(input, null);

    /// <summary>Decides one event; with a session, rate limits, taints and escalation apply and the session is updated.</summary>
    public PolicyDecision Evaluate(PolicyInput input, PolicySessionState? session) => Run(input, session, trace: null).Decision;

    /// <summary>Decides one event and explains it: what the event was taken to be and every rule that matched.</summary>
    public PolicyExplanation Explain(PolicyInput input, PolicySessionState? session = null)
    {
        var trace = new List<RuleHit>();
        var (decision, subject) = Run(input, session, trace);
        return PolicyExplanation.Create(decision, subject, trace);
    }

    /// <summary>For tests: the same decision with every rule of the tool checked, bypassing the indexes.</summary>
    internal PolicyDecision EvaluateUnindexed(PolicyInput input) => Run(input, null, null, indexed: false).Decision;

    private (PolicyDecision Decision, EventSubject Subject) Run(PolicyInput input, PolicySessionState? session, List<RuleHit>? trace, bool indexed = true)
    {
        var (decision, subject) = RunRules(input, session, trace, indexed);
        return (decision.Effect == Effect.Ask && ApprovalFor(decision, input.Agent) is { } approval ? decision.WithApproval(approval) : decision, subject);
    }

    /// <summary>
    /// Who answers an ask: one approval that satisfies every rule that decided it (<see cref="ApprovalCombiner"/>), in
    /// document order. A rule with <c>approval:</c> takes part with it; a plain ask (a rule without one, or the engine's
    /// own ask) takes part with the document's defaults when <c>approvals.plain_asks</c> routes this agent to approvals,
    /// and not at all when it goes to the agent's prompt (a named person answering is the stricter of the two).
    /// </summary>
    private ApprovalSpec? ApprovalFor(PolicyDecision decision, string? agent)
    {
        var routed = Document.Approvals.RoutesToApproval(agent);
        List<PolicyRule>? rules = null;
        var plain = decision.RuleIds.Count == 0;
        foreach (var id in decision.RuleIds)
        {
            if (_approvalRules.TryGetValue(id, out var rule))
            {
                (rules ??= []).Add(rule);
            }
            else
            {
                plain = true;
            }
        }

        if (rules is null)
        {
            return routed ? Document.Approvals.Defaults : null;
        }

        var approvals = rules.OrderBy(r => r.Line).ThenBy(r => r.Column).Select(r => r.Approval!).ToList();
        if (plain && routed)
        {
            approvals.Add(Document.Approvals.Defaults);
        }

        return ApprovalCombiner.Combine(approvals);
    }

    private (PolicyDecision Decision, EventSubject Subject) RunRules(PolicyInput input, PolicySessionState? session, List<RuleHit>? trace, bool indexed)
    {
        ArgumentNullException.ThrowIfNull(input);
        var subject = EventSubject.Create(input);
        if (session is null)
        {
            return (Decide(subject, null, null, trace, indexed), subject);
        }

        var blocking = ToolNames.IsBlockingEvent(input.HookEvent);
        lock (session.Gate)
        {
            var now = session.TimeProvider.GetUtcNow();
            var counts = blocking && session.TryBeginCount(input.ToolUseId);
            var escalate = Document.Escalate;
            var denials = session.DenialsWithin(now, escalate?.Within);
            var context = EvaluationScratch.Current.Context.Set(input, subject.Tool, session.TaintSetUnsafe, denials);
            var view = new Evaluator.SessionView(session, now, counts);
            var decision = Decide(subject, context, view, trace, indexed);

            if (blocking && escalate is not null && decision.Effect == Effect.Allow && denials >= escalate.AfterDenials)
            {
                decision = new PolicyDecision(escalate.Effect, false, $"{denials} denials in this session: escalated to {escalate.Effect.ToString().ToLowerInvariant()}", ReasonCodes.Escalation, decision.RuleIds, decision.Matched);
            }

            if (counts && decision.Effect == Effect.Deny)
            {
                session.AddDenial(now);
            }

            if (blocking && decision.Effect == Effect.Allow)
            {
                foreach (var taint in _taints)
                {
                    if (TaintMatches(taint, subject, context))
                    {
                        session.AddTaintUnsafe(taint.Label);
                    }
                }
            }

            return (decision, subject);
        }
    }

    private static bool TaintMatches(CompiledTaint taint, EventSubject subject, EvaluationContext context)
    {
        if (subject.AllPaths is not { } paths)
        {
            return taint.Matches(subject, context);
        }

        foreach (var path in paths)
        {
            if (taint.Matches(subject.WithSinglePath(path), context))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The decision for an event that these allow rules (in document order) allowed; built once per set.</summary>
    internal PolicyDecision AllowDecision(List<CompiledRule> rules)
    {
        if (rules.Count == 1)
        {
            return rules[0].AllowDecision!;
        }

        var key = RuleSet.Of(rules);
        if (key is { } k && _allowDecisions.TryGetValue(k, out var cached))
        {
            return cached;
        }

        var ids = new string[rules.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = rules[i].Id;
        }

        var decision = new PolicyDecision(Effect.Allow, false, rules[0].Reason, rules[0].ReasonCode, ids, null);
        if (key is { } newKey && _allowDecisions.Count < MaxCachedAllowSets)
        {
            _allowDecisions.TryAdd(newKey, decision);
        }

        return decision;
    }

    private PolicyDecision Decide(EventSubject subject, EvaluationContext? context, Evaluator.SessionView? view, List<RuleHit>? trace, bool indexed)
    {
        var parts = subject.AllPaths ?? subject.AllUrls;
        if (parts is not { Length: > 1 })
        {
            return Evaluator.Decide(this, subject, Candidates(subject, indexed), context, view, trace);
        }

        // Several files (or URLs) in one call are decided one by one and combined like Bash sub-commands: deny or ask
        // if any gets it; allow only if every one is allowed by a rule; otherwise the default. Rates are counted once.
        PolicyDecision? strongest = null;
        var allAllowedByRules = true;
        for (var i = 0; i < parts.Length; i++)
        {
            var single = subject.AllPaths is not null ? subject.WithSinglePath(parts[i]) : subject.WithSingleUrl(parts[i]);
            var passView = view is null || i == 0 ? view : new Evaluator.SessionView(view.State, view.Now, record: false);
            var decision = Evaluator.Decide(this, single, Candidates(single, indexed), context, passView, trace);
            allAllowedByRules &= decision.Effect == Effect.Allow && !decision.IsDefault;
            if (strongest is null || decision.Effect > strongest.Effect)
            {
                strongest = decision;
            }
            else if (decision.Effect == Effect.Ask && strongest.Effect == Effect.Ask)
            {
                strongest = WithAskRulesOf(strongest, decision);
            }
        }

        return strongest!.Effect == Effect.Allow && !allAllowedByRules ? DefaultDecision : strongest;
    }

    /// <summary>
    /// Two parts asked: the first part's decision, reporting the ask rules of both, so that the approval must satisfy
    /// every part (<see cref="ApprovalFor"/>), as for the sub-commands of a compound command.
    /// </summary>
    private static PolicyDecision WithAskRulesOf(PolicyDecision first, PolicyDecision next) =>
        next.RuleIds.All(first.RuleIds.Contains) ? first
        : new PolicyDecision(first.Effect, first.IsDefault, first.Reason, first.ReasonCode, first.RuleIds.Union(next.RuleIds, StringComparer.Ordinal).ToArray(), first.Matched);

    private ReadOnlySpan<CompiledRule> Candidates(EventSubject subject, bool indexed) =>
        !indexed ? CandidatesFor(subject.Tool, subject.Input.HookEvent)
        : subject.Shell is { } shell ? _bashIndex.Candidates(shell)
        : subject.PathRange.HasValue || subject.HostRange.HasValue ? SubjectIndexFor(subject.Tool).Candidates(subject)
        : CandidatesFor(subject.Tool, subject.Input.HookEvent);

    private SubjectRuleIndex SubjectIndexFor(string tool)
    {
        if (_subjectIndexes.TryGetValue(tool, out var index))
        {
            return index;
        }

        // Path and host tools are a small fixed set, so this cache stays small.
        index = new SubjectRuleIndex(tool, CandidatesFor(tool, ""));
        return _subjectIndexes.GetOrAdd(tool, index);
    }

    // Apart from CandidatesFor: a lambda capturing its key would allocate on every call, cached or not.
    private CompiledRule[] RulesFor(string key) => _rules.Where(r => r.AppliesTo(key)).ToArray();

    /// <summary>The rules whose patterns can concern this tool, in document order (cached per tool).</summary>
    internal CompiledRule[] CandidatesFor(string tool, string hookEvent)
    {
        var key = tool.Length == 0 ? hookEvent ?? "" : tool;
        if (_rulesByTool.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var list = RulesFor(key);
        if (_rulesByTool.Count < MaxCachedTools)
        {
            _rulesByTool.TryAdd(key, list);
        }

        return list;
    }
}
