using Google.Protobuf.WellKnownTypes;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Policy;
using Hookline.Shared;
using Hookline.Sidecar.Internal.Agents;
using Hookline.Sidecar.Internal.Listening;
using Hookline.Sidecar.Internal.ServerStream;
using Hookline.Sidecar.Internal.Spool;
using Hookline.Sidecar.Internal.Status;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar.Internal.Decisions;

/// <summary>
/// Decides one hook: the server's answer if it comes within the budget, else the last snapshot evaluated here,
/// else the fail mode. Every event is spooled before it is sent, and leaves the spool only when stored.
/// </summary>
internal sealed class HookProcessor : IHookHandler
{
    private readonly ServerConnection _connection;
    private readonly SnapshotHolder _snapshots;
    private readonly PendingDecisions _pending;
    private readonly EventSpool _spool;
    private readonly SidecarStats _stats;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _sessionId;
    // Session-aware rules in the local fallback read this sidecar's own view of the session.
    private readonly PolicySessionState _localSession;
    private readonly Paths.PathFacts _pathFacts;
    private readonly Transcripts.ExecutedCalls? _executedCalls;
    private readonly ApprovalHold _approvals;

    public HookProcessor(ServerConnection connection, SnapshotHolder snapshots, PendingDecisions pending, EventSpool spool,
        SidecarStats stats, TimeProvider time, ILogger logger, Paths.PathFacts pathFacts, Transcripts.ExecutedCalls? executedCalls = null,
        AwaitedApprovals? approvals = null)
    {
        _approvals = new ApprovalHold(approvals ?? new AwaitedApprovals(), time);
        _pathFacts = pathFacts;
        _executedCalls = executedCalls;
        _connection = connection;
        _snapshots = snapshots;
        _pending = pending;
        _spool = spool;
        _stats = stats;
        _time = time;
        _logger = logger;
        _sessionId = connection.SessionId;
        _localSession = new PolicySessionState(time);
    }

    /// <summary>The event name of a probe frame (empty agent): answered with exit 0 and nothing recorded.</summary>
    public const string ProbeEvent = "probe";

    /// <summary>The event names of status frames (empty agent): the sidecar's counters as text or JSON, nothing recorded.</summary>
    public const string StatusEvent = "status";
    public const string StatusJsonEvent = "status-json";

    /// <summary>Renders the sidecar's status; true for JSON. Set before the socket accepts connections.</summary>
    public Func<bool, string>? Status { get; set; }

    // The largest event put on the stream (its gRPC message cap is 16 MiB).
    private const int MaxEventBytes = Core.MessageLimits.MaxEventBytes;

    // How long a hook answered without the server waits for its event to reach the spool file.
    private static readonly TimeSpan DurableWait = TimeSpan.FromSeconds(1);

    public SidecarFailMode FailMode => _snapshots.FailMode;

    /// <summary>Raised after each hook is answered (on the hook's own task; keep handlers quick).</summary>
    public event Action<HookDecision>? Decided;

    /// <summary>Decodes and encodes a synthetic hook for every agent, so the first real one is not slowed by JIT.</summary>
    public static void Warm()
    {
        const string Stdin = """{"session_id":"w","cwd":"/tmp","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"ls"}}""";
        foreach (var name in AgentAdapters.Names)
        {
            var adapter = AgentAdapters.Find(name)!;
            var hookEvent = new HookEvent();
            adapter.TryDecode("pre-tool-use", System.Text.Encoding.UTF8.GetBytes(Stdin), hookEvent, out _);
            adapter.Encode("pre-tool-use", new HookOutcome(Verdict.Deny, false, "warm-up", DecisionSource.Local));
        }
        HookReply.Empty.ToFrame();
    }

    /// <param name="readAt">When the request was read (<see cref="TimeProvider.GetTimestamp"/>): the budget runs from here.</param>
    public async ValueTask<HookReply> HandleAsync(HookRequest request, long readAt)
    {
        if (request.Agent.Length == 0 && request.Event == ProbeEvent)
        {
            // A liveness probe: proves the socket answers, and warms its path at start-up. Not an agent event.
            return HookReply.Empty;
        }
        if (request.Agent.Length == 0 && request.Event is StatusEvent or StatusJsonEvent && Status is { } status)
        {
            return new HookReply(0, System.Text.Encoding.UTF8.GetBytes(status(request.Event == StatusJsonEvent)), "");
        }
        var adapter = AgentAdapters.Find(request.Agent);
        if (adapter is null)
        {
            var problem = $"unknown agent '{request.Agent}' (known: {string.Join(", ", AgentAdapters.Names)})";
            Log.BadHookInput(_logger, request.Agent, request.Event, problem);
            return HookJson.Block(problem);
        }

        var blocking = adapter.IsBlocking(request.Event);
        var hookEvent = new HookEvent
        {
            EventId = Guid.NewGuid().ToString(),
            SessionId = _sessionId,
            Agent = adapter.Name,
            Time = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
            DecisionWanted = blocking,
            PayloadTruncated = request.StdinTruncated,
            ApprovalWaitMs = blocking ? ApprovalHold.WaitMsOf(request) : 0,
        };
        var identity = _connection.Identity;
        hookEvent.User = identity.User;
        hookEvent.Org = identity.Org;

        if (!TryDecode(adapter, request.Event, request.Stdin, hookEvent, out var error))
        {
            if (request.StdinTruncated)
            {
                error = $"hook input exceeds the {HookFrame.MaxPayloadBytes / (1024 * 1024)} MiB cap and was cut, so it cannot be read whole";
                // Record what the event was (tool, input, ids come before the large output), beside the cut bytes.
                if (TruncatedJson.Salvage(request.Stdin.Span) is { } salvaged)
                {
                    TryDecode(adapter, request.Event, salvaged, hookEvent, out _);
                }
            }
            Log.BadHookInput(_logger, request.Agent, request.Event, error);
            // Under the stream's message cap, whatever the salvaged fields took.
            var room = Math.Max(0, MaxEventBytes - hookEvent.CalculateSize());
            hookEvent.RawInput = ByteString.CopyFrom(request.Stdin.Span[..Math.Min(request.Stdin.Length, room)]);
            hookEvent.DecisionWanted = false;
            var outcome = blocking
                ? new HookOutcome(Verdict.Deny, false, "malformed hook input: " + error, DecisionSource.MalformedInput)
                : new HookOutcome(Verdict.Allow, true, error, DecisionSource.NonBlocking);
            Record(hookEvent, outcome, null, readAt, sent: false);
            _stats.Count(outcome.Verdict, outcome.Source);
            await DurableAsync().ConfigureAwait(false);
            return blocking ? HookJson.Block(outcome.Reason) : HookReply.Empty;
        }

        _pathFacts.AddIdentity(hookEvent);
        if (!blocking)
        {
            if (_executedCalls is not null)
            {
                // The calls the agent's transcript shows since the last report (Claude's Stop, SubagentStop, SessionEnd), for coverage.
                await _executedCalls.AttachAsync(adapter.Name, request.Event, request.Stdin, hookEvent).ConfigureAwait(false);
            }
            // The agent does not wait for these: answer at once, send on.
            Record(hookEvent, new HookOutcome(Verdict.Allow, true, "", DecisionSource.NonBlocking), null, readAt, sent: false);
            _stats.Count(Verdict.Allow, DecisionSource.NonBlocking);
            await DurableAsync().ConfigureAwait(false);
            return HookReply.Empty;
        }

        await _pathFacts.AddFileFactsAsync(hookEvent).ConfigureAwait(false);
        _spool.Add(hookEvent);
        var (remote, sent, stillWaiting) = await AskServerAsync(hookEvent, readAt).ConfigureAwait(false);
        Decision? local = null;
        if (stillWaiting is not null)
        {
            // The budget ran out with the event on the stream. A call that needs a person would only get its
            // on_timeout here, and no answer can come before the server's: wait on for the server instead.
            local = DecideLocally(hookEvent);
            if (local is not null && ApprovalHold.NeedsApproval(local))
            {
                remote = await _approvals.WaitForServerAsync(request, hookEvent, stillWaiting, readAt).ConfigureAwait(false);
            }
            if (remote is null)
            {
                _pending.Abandon(hookEvent.CorrelationId);
            }
        }
        HookOutcome result;
        Decision? decision = remote;
        var heldBack = false;
        if (remote is { Verdict: Verdict.Pending })
        {
            // A person must answer: hold the hook (no local fallback) until the approval is resolved or times out.
            (result, decision) = await _approvals.HoldAsync(request, hookEvent, remote, readAt).ConfigureAwait(false);
        }
        else if (remote is not null)
        {
            // A newer server may rewrite input for an agent or event this sidecar cannot pass a rewrite on: deny, and
            // tell the server (as for a local decision), so the audit trail shows the deny the agent really got.
            heldBack = InputRewrite.HoldBack(hookEvent, remote);
            result = new HookOutcome(remote.Verdict, remote.IsDefault, remote.Reason, DecisionSource.Remote, remote.UpdatedInput.Memory, hookEvent.ToolInput.Memory);
            // The local session state sees every event the server saw, so a local fallback later decides alike
            // (rate limits, taints, escalation). Only a policy with such rules pays for this second evaluation.
            if (local is null && _snapshots.UsesSessionState && _snapshots.Usable() is { } current)
            {
                DecisionEngine.Decide(hookEvent, current, _localSession);
            }
        }
        else if ((local ?? DecideLocally(hookEvent)) is { } localDecision)
        {
            decision = localDecision;
            result = new HookOutcome(decision.Verdict, decision.IsDefault, decision.Reason, DecisionSource.Local, decision.UpdatedInput.Memory, hookEvent.ToolInput.Memory);
            if (ApprovalHold.NeedsApproval(decision))
            {
                // Only the server can ask a person: a local decision never approves, its on_timeout applies.
                (result, decision) = ApprovalHold.Unreachable(decision);
            }
        }
        else if (_snapshots.FailMode == SidecarFailMode.Open)
        {
            result = new HookOutcome(Verdict.Allow, true, "policy unavailable; allowed (fail mode open)", DecisionSource.FailOpen);
        }
        else
        {
            result = new HookOutcome(Verdict.Deny, false, "policy unavailable; blocked (fail mode closed)", DecisionSource.FailClosed);
        }
        _stats.Count(result.Verdict, result.Source);
        Record(hookEvent, result, decision, readAt, sent, heldBack);
        if (result.Source != DecisionSource.Remote || heldBack)
        {
            // Only this sidecar knows what the agent got: keep that on disk before the agent acts on it.
            await DurableAsync().ConfigureAwait(false);
        }
        return adapter.Encode(request.Event, result);
    }

    /// <summary>The adapter's decoding, where text System.Text.Json cannot read is malformed input like any other.</summary>
    private static bool TryDecode(IAgentAdapter adapter, string hookEvent, ReadOnlyMemory<byte> stdin, HookEvent target, out string error)
    {
        try
        {
            return adapter.TryDecode(hookEvent, stdin, target, out error);
        }
        catch (Exception ex) when (JsonValidity.IsMalformedInput(ex))
        {
            error = "hook input cannot be read: " + ex.Message;
            return false;
        }
    }

    /// <summary>
    /// Waits until what was spooled so far is in the spool file, so a sidecar killed right after answering still
    /// sends it. Bounded: a stuck disk delays the answer by at most <see cref="DurableWait"/>, it never withholds it.
    /// </summary>
    private async ValueTask DurableAsync()
    {
        try
        {
            await _spool.FlushToDiskAsync().WaitAsync(DurableWait, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.SpoolSlow(_logger, (long)DurableWait.TotalMilliseconds);
        }
        catch (IOException ex)
        {
            // The spool writer says at once that the file could not take it: answer now, never withhold the answer.
            Log.SpoolWriteFailed(_logger, ex);
        }
    }

    /// <summary>The local decision from the last usable snapshot (which also keeps the local session state), or null.</summary>
    private Decision? DecideLocally(HookEvent hookEvent)
        => _snapshots.Usable() is { } snapshot ? DecisionEngine.Decide(hookEvent, snapshot, _localSession) : null;

    /// <returns>
    /// The server's decision within the budget; or, when the budget ran out with the event sent, the server's decision
    /// still to come (its correlation id still registered: the caller waits on or abandons it).
    /// </returns>
    private async ValueTask<(Decision? Decision, bool Sent, Task<Decision>? StillWaiting)> AskServerAsync(HookEvent hookEvent, long readAt)
    {
        if (!_connection.IsConnected)
        {
            // Down: decide now rather than spend the budget waiting for nothing.
            return (null, false, null);
        }
        var (correlationId, decision) = _pending.Register();
        hookEvent.CorrelationId = correlationId;
        if (!_connection.TrySend(new ProcessHookEventRequest { Event = hookEvent }))
        {
            _pending.Abandon(correlationId);
            return (null, false, null);
        }
        var remaining = _snapshots.Budget - _time.GetElapsedTime(readAt);
        try
        {
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException();
            }
            return (await decision.WaitAsync(remaining, _time).ConfigureAwait(false), true, null);
        }
        catch (TimeoutException)
        {
            _stats.BudgetMiss();
            return (null, true, decision);
        }
        catch (StreamDownException)
        {
            return (null, true, null);
        }
    }

    /// <summary>
    /// Spools the event with what was applied. When the server had the event but did not decide it in time, it is
    /// told what the agent got instead, so the audit trail shows the decision that was really applied.
    /// </summary>
    /// <param name="overridden">The server's decision was changed here, so the server must be told what was applied.</param>
    private void Record(HookEvent hookEvent, HookOutcome outcome, Decision? decision, long readAt, bool sent, bool overridden = false)
    {
        var elapsed = _time.GetElapsedTime(readAt);
        var latencyUs = (long)elapsed.TotalMicroseconds;
        if (outcome.Source != DecisionSource.NonBlocking)
        {
            _stats.DecisionTime.Record(elapsed);
        }
        var applied = new AppliedDecision
        {
            Verdict = outcome.Verdict,
            Source = outcome.Source,
            Reason = outcome.Reason,
            ReasonCode = decision?.ReasonCode ?? Names.Of(outcome.Source),
            PolicyEpoch = decision?.PolicyEpoch ?? _snapshots.Epoch,
            LatencyUs = (uint)Math.Min(latencyUs, uint.MaxValue),
        };
        if (decision is not null)
        {
            applied.RuleIds.AddRange(decision.RuleIds);
        }
        Log.Decided(_logger, hookEvent.Agent, hookEvent.NativeEvent, hookEvent.ToolName, Names.Of(outcome.Verdict), Names.Of(outcome.Source), latencyUs);
        Decided?.Invoke(new HookDecision(hookEvent.EventId, hookEvent.Agent, hookEvent.NativeEvent, hookEvent.ToolName,
            Names.Of(outcome.Verdict), Names.Of(outcome.Source), outcome.Reason, applied.RuleIds.ToArray(), applied.PolicyEpoch, latencyUs));

        if (hookEvent.DecisionWanted)
        {
            // Remote: the server recorded its own answer. Not sent: the replay will carry the applied decision.
            var amend = (outcome.Source != DecisionSource.Remote || overridden) && sent;
            _spool.SetApplied(hookEvent.EventId, applied, sentSeparately: amend);
            if (!amend)
            {
                if (outcome.Source == DecisionSource.Remote && sent)
                {
                    // The server stored its own answer without the hook's wait: reported later, batched.
                    _connection.Latencies.Add(hookEvent.EventId, applied.LatencyUs);
                }
                return;
            }
            var amendment = hookEvent.Clone();
            amendment.DecisionWanted = false;
            amendment.Applied = applied;
            if (_connection.TrySend(new ProcessHookEventRequest { Event = amendment }))
            {
                _spool.AmendmentSent(hookEvent.EventId);
            }
            // Otherwise the next stream to open sends it (TakeUnsentAmendments).
            return;
        }

        hookEvent.Applied = applied;
        _spool.Add(hookEvent, applied);
        _connection.TrySend(new ProcessHookEventRequest { Event = hookEvent });
    }
}
