using Grpc.Core;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Server.Internal.Approvals;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Decisions;
using Hookline.Server.Internal.Metrics;
using Hookline.Server.Internal.Storage;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Grpc;

/// <summary>The gRPC surface: session lifecycle and the per-session decision stream.</summary>
internal sealed class AgentService : Contracts.V1.AgentService.AgentServiceBase
{
    private readonly PolicyHolder _policy;
    private readonly AuditWriter _audit;
    private readonly IAuditStore _store;
    private readonly SessionTracker _sessions;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly ServerMetrics _metrics;
    private readonly SessionGate _gate;
    private readonly PrincipalLimits _principalLimits;
    private readonly PrincipalByteRate _byteRate;
    private readonly string _instanceName;
    private readonly ApprovalService _approvals;
    private readonly TimeSpan _storedAckDelay;

    public AgentService(PolicyHolder policy, AuditWriter audit, IAuditStore store, SessionTracker sessions,
        TimeProvider time, ILogger<AgentService> logger, Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime,
        ServerMetrics metrics, PrincipalLimits principalLimits, PrincipalByteRate byteRate, HooklineServerOptions options,
        ApprovalService approvals)
    {
        _approvals = approvals;
        _instanceName = options.InstanceName;
        _storedAckDelay = options.StoredAckDelay;
        _metrics = metrics;
        _gate = new SessionGate(store);
        _principalLimits = principalLimits;
        _byteRate = byteRate;
        _stopping = lifetime.ApplicationStopping;
        _policy = policy;
        _audit = audit;
        _store = store;
        _sessions = sessions;
        _time = time;
        _logger = logger;
    }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public override async Task<CreateSessionResponse> CreateSession(CreateSessionRequest request, ServerCallContext context)
    {
        var sessionId = request.SessionId.Length > 0 ? request.SessionId : Guid.NewGuid().ToString();
        SessionGate.RequireUuid(sessionId, "session_id");
        var caller = AuthInterceptor.CallerOf(context);
        var identity = SessionIdentity.Of(caller, request.User);
        var cancellation = context.CancellationToken;
        var (session, resumed) = await _store.CreateOrResumeSessionAsync(request, sessionId, NowMs, identity, cancellation)
            .ConfigureAwait(false);
        if (resumed)
        {
            if (!session.Owner.Admits(caller))
            {
                Log.SessionRefused(_logger, sessionId, "resume");
                throw SessionGate.NotOwned();
            }
            session = await _store.TouchAsync(sessionId, NowMs, cancellation).ConfigureAwait(false) ?? session;
            await _sessions.LoadStoredAsync(sessionId, cancellation).ConfigureAwait(false);
        }
        Log.SessionChanged(_logger, sessionId, resumed ? "resumed" : "created", request.Agent);
        return new CreateSessionResponse
        {
            SessionId = sessionId,
            Resumed = resumed,
            Status = session.Status,
            User = identity.User,
            Org = identity.Org,
            Authenticated = identity.Authenticated,
            ServerInstance = _instanceName,
        };
    }

    public override async Task<HeartbeatResponse> Heartbeat(HeartbeatRequest request, ServerCallContext context)
    {
        await OwnedOrRefusedAsync(context, request.SessionId, "heartbeat").ConfigureAwait(false);
        var session = await _store.TouchAsync(request.SessionId, NowMs, context.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "unknown session"));
        return new HeartbeatResponse { Status = session.Status };
    }

    public override async Task<EndSessionResponse> EndSession(EndSessionRequest request, ServerCallContext context)
    {
        await OwnedOrRefusedAsync(context, request.SessionId, "end").ConfigureAwait(false);
        var session = await _store.EndSessionAsync(request.SessionId, NowMs, context.CancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.NotFound, "unknown session"));
        _sessions.Ended(request.SessionId);
        Log.SessionChanged(_logger, request.SessionId, "ended", session.Agent);
        return new EndSessionResponse { Status = session.Status };
    }

    public override async Task<Decision> DecideOnce(HookEvent request, ServerCallContext context)
    {
        var caller = AuthInterceptor.CallerOf(context);
        // The same limits as the stream: without them one token could hold any number of buffered 12 MiB calls.
        using var slot = _principalLimits.UnaryCalls.TryOpen(caller.Principal)
            ?? throw OverLimit("this principal has as many decision calls in progress as the server allows");
        ValidateEvent(request);
        await _byteRate.TakeAsync(caller.Principal, request, context.CancellationToken).ConfigureAwait(false);
        if (!await _gate.AdmitsAsync(caller, request.SessionId, request.Agent, request.User, NowMs, context.CancellationToken)
            .ConfigureAwait(false))
        {
            Log.SessionRefused(_logger, request.SessionId, "decide-once");
            throw SessionGate.NotOwned();
        }
        Stamp(request, caller);
        Normalize(request);
        var decision = await DecideAsync(request, context.CancellationToken).ConfigureAwait(false);
        if (ApprovalDecisions.NeedsApproval(decision))
        {
            // One call, one answer: nothing can wait on a person here.
            ApprovalDecisions.ApplyOnTimeout(decision, ApprovalProtocol.UnsupportedCode, "a single decision call cannot wait for an answer");
        }
        await _audit.EnqueueAsync(new AuditRecord(request, decision, NowMs, Ack: null) { Authenticated = caller.Authenticated },
            context.CancellationToken).ConfigureAwait(false);
        return decision;
    }

    public override async Task ProcessHookEvent(
        IAsyncStreamReader<ProcessHookEventRequest> requestStream,
        IServerStreamWriter<ProcessHookEventResponse> responseStream,
        ServerCallContext context)
    {
        // A stopping server ends its streams instead of waiting for the sidecars to hang up; they reconnect elsewhere
        // or later, and resend what was not acknowledged.
        // A revoked token ends its streams too (the interceptor then answers Unauthenticated).
        using var streamCts = CancellationTokenSource.CreateLinkedTokenSource(
            context.CancellationToken, _stopping, AuthInterceptor.RevokedOf(context));
        var caller = AuthInterceptor.CallerOf(context);
        // Counted before the first message (the Open) is read: one principal cannot hold every stream slot.
        using var slot = _principalLimits.Streams.TryOpen(caller.Principal)
            ?? throw OverLimit("this principal holds as many open streams as the server allows");
        var admitted = new AdmittedSessions();
        var answered = new AnsweredEvents();
        var cancellation = streamCts.Token;
        var outbox = new StreamOutbox(_time, _storedAckDelay);
        var pump = outbox.PumpAsync(responseStream, streamCts);
        Action<Policy.PolicySnapshot> push = snapshot =>
            outbox.TrySend(new ProcessHookEventResponse { PolicySnapshot = SnapshotCodec.ToProto(snapshot, _audit.Capture) });
        _policy.Changed += push;
        string? sessionId = null;
        var capabilities = new StreamCapabilities(false, false);
        try
        {
            push(_policy.Current);
            await foreach (var request in requestStream.ReadAllAsync(cancellation).ConfigureAwait(false))
            {
                switch (request.KindCase)
                {
                    case ProcessHookEventRequest.KindOneofCase.Open:
                        if (sessionId is null)
                        {
                            SessionGate.RequireUuid(request.Open.SessionId, "session_id");
                            if (!await _gate.AdmitsAsync(caller, request.Open.SessionId, request.Open.Agent, "", NowMs, cancellation)
                                .ConfigureAwait(false))
                            {
                                Log.SessionRefused(_logger, request.Open.SessionId, "stream open");
                                throw SessionGate.NotOwned();
                            }
                            admitted.Add(request.Open.SessionId);
                            sessionId = request.Open.SessionId;
                            capabilities = new StreamCapabilities(
                                request.Open.Capabilities.Contains(InputRewrite.SidecarCapability),
                                request.Open.Capabilities.Contains(ApprovalProtocol.SidecarCapability));
                            _sessions.StreamOpened(sessionId);
                            await _store.TouchAsync(sessionId, NowMs, cancellation).ConfigureAwait(false);
                            // Before this stream's first event: what the session's rules remember may have been
                            // written by another replica, or by this server before a restart.
                            await _sessions.LoadStoredAsync(sessionId, cancellation).ConfigureAwait(false);
                            Log.StreamOpened(_logger, sessionId, request.Open.SidecarVersion, request.Open.PolicyEpoch);
                        }
                        break;
                    case ProcessHookEventRequest.KindOneofCase.Event:
                        await HandleOneEventAsync(request.Event, caller, admitted, answered, outbox, capabilities, cancellation).ConfigureAwait(false);
                        // Over the principal's byte rate, the next message waits: backpressure, never a dropped event.
                        await _byteRate.TakeAsync(caller.Principal, request.Event, cancellation).ConfigureAwait(false);
                        break;
                    case ProcessHookEventRequest.KindOneofCase.Ping:
                        await outbox.SendAsync(new ProcessHookEventResponse { Pong = new Pong { Nonce = request.Ping.Nonce } }, cancellation)
                            .ConfigureAwait(false);
                        break;
                    case ProcessHookEventRequest.KindOneofCase.AwaitApproval:
                        await _approvals.AwaitAsync(request.AwaitApproval.ApprovalId, request.AwaitApproval.EventId, admitted.Contains, outbox,
                            cancellation).ConfigureAwait(false);
                        break;
                    case ProcessHookEventRequest.KindOneofCase.Latencies:
                        // Charged before anything reaches the writer: a flood of latencies waits on the principal's byte rate.
                        await _byteRate.TakeAsync(caller.Principal, request.Latencies, cancellation).ConfigureAwait(false);
                        ReportLatencies(request.Latencies, sessionId, answered);
                        break;
                    case ProcessHookEventRequest.KindOneofCase.SnapshotRefused:
                        Log.SnapshotRefusedBySidecar(_logger, sessionId, request.SnapshotRefused.Epoch, request.SnapshotRefused.Reason);
                        break;
                    default:
                        // A newer sidecar may send kinds this server does not know; ignoring them keeps the stream up.
                        Log.StreamProtocolError(_logger, $"unknown message kind {request.KindCase}");
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        catch (IOException) when (cancellation.IsCancellationRequested)
        {
        }
        finally
        {
            _policy.Changed -= push;
            _approvals.StreamClosed(outbox);
            outbox.Complete();
            if (sessionId is not null)
            {
                _sessions.StreamClosed(sessionId);
                Log.StreamClosed(_logger, sessionId);
            }
        }
        try
        {
            await pump.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// One event that cannot be handled never ends the stream (and with it every other hook of the session): it is
    /// logged, a waiting hook is answered deny, and the stream reads on. Not acknowledged, it is resent later.
    /// </summary>
    private async ValueTask HandleOneEventAsync(HookEvent hookEvent, Caller caller, AdmittedSessions admitted, AnsweredEvents answered,
        StreamOutbox outbox, StreamCapabilities capabilities, CancellationToken cancellation)
    {
        try
        {
            await HandleEventAsync(hookEvent, caller, admitted, answered, outbox, capabilities, cancellation).ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellation.IsCancellationRequested)
        {
            Log.EventFailed(_logger, hookEvent.EventId, hookEvent.SessionId, ex);
            if (hookEvent.DecisionWanted)
            {
                var refusal = Policy.JsonValidity.IsMalformedInput(ex)
                    ? Refusal(hookEvent, Names.Of(DecisionSource.MalformedInput), "the event cannot be read: " + ex.Message)
                    : Refusal(hookEvent, "server_error", "the server could not handle this event");
                await outbox.SendAsync(new ProcessHookEventResponse { Decision = refusal }, cancellation).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask HandleEventAsync(HookEvent hookEvent, Caller caller, AdmittedSessions admitted, AnsweredEvents answered,
        StreamOutbox outbox, StreamCapabilities capabilities, CancellationToken cancellation)
    {
        Stamp(hookEvent, caller);
        Normalize(hookEvent);
        if (!SessionGate.IsUuid(hookEvent.EventId) || !SessionGate.IsUuid(hookEvent.SessionId))
        {
            // Without valid ids there is nothing to correlate or dedup; answer deny so a waiting hook is not left hanging.
            Log.StreamProtocolError(_logger, "event whose event_id or session_id is not a UUID");
            await RefuseAsync(hookEvent, outbox, "malformed_event", "event_id and session_id must be UUIDs", cancellation)
                .ConfigureAwait(false);
            return;
        }
        if (AppliedRuleIdsProblem(hookEvent) is { } ruleIdsProblem)
        {
            Log.StreamProtocolError(_logger, $"event {hookEvent.EventId}: {ruleIdsProblem}");
            await RefuseAsync(hookEvent, outbox, "malformed_event", ruleIdsProblem, cancellation).ConfigureAwait(false);
            return;
        }
        if (IsReservedEventName(hookEvent.HookEventName))
        {
            Log.StreamProtocolError(_logger, $"event {hookEvent.EventId} names the server's own event {ApprovalProtocol.AnswerEventName}");
            await RefuseAsync(hookEvent, outbox, ReservedEventNameCode, ReservedEventNameReason, cancellation).ConfigureAwait(false);
            return;
        }
        // One stream may carry the replays of other sessions of the same principal (a starting sidecar sends the
        // spools of crashed ones), so every event's session is checked, once per stream.
        if (!admitted.Contains(hookEvent.SessionId))
        {
            if (!await _gate.AdmitsAsync(caller, hookEvent.SessionId, hookEvent.Agent, hookEvent.User, NowMs, cancellation)
                .ConfigureAwait(false))
            {
                Log.SessionRefused(_logger, hookEvent.SessionId, "event " + hookEvent.EventId);
                await RefuseAsync(hookEvent, outbox, SessionGate.NotOwnedCode, SessionGate.NotOwnedReason, cancellation)
                    .ConfigureAwait(false);
                return;
            }
            admitted.Add(hookEvent.SessionId);
        }

        if (hookEvent.Applied is not null)
        {
            _metrics.Replayed();
        }
        Decision? decision = null;
        ApprovalWaiters.Waiter? waiter = null;
        // Replayed blocking events are evaluated too, so the audit trail shows what the server would have said.
        // A replay whose payload the sidecar shed, cut at the capture cap, or could not read, is not evaluated: a decision
        // on an empty, cut or unreadable input would mislead.
        if (hookEvent.DecisionWanted
            || hookEvent.Applied is not null && !hookEvent.PayloadShed && !hookEvent.PayloadTruncated
                && hookEvent.Applied.Source != DecisionSource.MalformedInput)
        {
            decision = await DecideAsync(hookEvent, cancellation).ConfigureAwait(false);
            // What this sidecar cannot apply is answered deny, never passed on to be dropped.
            InputRewrite.HoldBack(hookEvent, decision, capabilities.Rewrite);
            if (ApprovalDecisions.NeedsApproval(decision))
            {
                (decision, waiter) = await ApproveAsync(hookEvent, decision, outbox, capabilities.Approval, cancellation).ConfigureAwait(false);
            }
        }
        if (hookEvent.DecisionWanted)
        {
            // Answer first: the hook is waiting. Storage comes after, in batches.
            await outbox.SendAsync(new ProcessHookEventResponse { Decision = decision }, cancellation).ConfigureAwait(false);
            // A resolution that came meanwhile follows the pending decision, never precedes it.
            waiter?.Release();
            // The server's own answer (remote at the sidecar): the one kind whose latency the sidecar reports later.
            // Refusals (RefuseAsync, a failed event) are not: nothing was decided.
            answered.Add(hookEvent.EventId);
        }
        outbox.Storing();
        try
        {
            await _audit.EnqueueAsync(new AuditRecord(hookEvent, decision, NowMs, outbox) { Authenticated = caller.Authenticated },
                cancellation).ConfigureAwait(false);
        }
        catch
        {
            outbox.NotStoring();
            throw;
        }
    }

    /// <summary>
    /// Hands a sidecar's latencies of the stream's own session to the audit writer, for its next batch: only those of
    /// events this stream was answered remotely, so what one stream holds in the writer's buffer is bounded by its decisions.
    /// </summary>
    private void ReportLatencies(DecisionLatencies message, string? sessionId, AnsweredEvents answered)
    {
        var (accepted, refused) = LatencyReports.Read(message, sessionId, answered);
        if (refused > 0)
        {
            Log.StreamProtocolError(_logger, $"{refused} of {message.Items.Count} reported latencies refused (before the stream's open, over {LatencyReports.MaxItems} in one message, or for events this stream was not answered remotely, or already reported)");
            _metrics.LatenciesDropped(refused);
        }
        if (accepted.Count > 0)
        {
            _audit.Report(accepted);
        }
    }

    /// <summary>
    /// An ask a person must answer: pending on an approval when this sidecar can hold the hook for it (it announced
    /// the capability, the hook can wait, the event waits for its decision now); otherwise on_timeout at once.
    /// </summary>
    private async ValueTask<(Decision, ApprovalWaiters.Waiter?)> ApproveAsync(HookEvent hookEvent, Decision decision, StreamOutbox outbox,
        bool approvalCapable, CancellationToken cancellation)
    {
        var why = !hookEvent.DecisionWanted || hookEvent.Applied is not null ? "the event was replayed after it was decided"
            : !approvalCapable ? "this sidecar cannot wait for an answer (it does not announce " + ApprovalProtocol.SidecarCapability + ")"
            : hookEvent.ApprovalWaitMs == 0 ? "this hook cannot wait for an answer"
            : null;
        if (why is not null)
        {
            ApprovalDecisions.ApplyOnTimeout(decision, ApprovalProtocol.UnsupportedCode, why);
            return (decision, null);
        }
        return await _approvals.OpenAsync(hookEvent, decision, outbox, cancellation).ConfigureAwait(false);
    }

    /// <summary>What the stream's sidecar announced it can apply.</summary>
    private readonly record struct StreamCapabilities(bool Rewrite, bool Approval);

    /// <summary>The deny a waiting hook gets for an event that was not evaluated.</summary>
    private Decision Refusal(HookEvent hookEvent, string reasonCode, string reason) => new()
    {
        CorrelationId = hookEvent.CorrelationId,
        EventId = hookEvent.EventId,
        Verdict = Verdict.Deny,
        Evaluated = Verdict.Deny,
        ReasonCode = reasonCode,
        Reason = reason,
        PolicyEpoch = _policy.Current.Epoch,
    };

    /// <summary>
    /// An event that is not stored, for good: a waiting hook gets a deny with the reason, and the sidecar is told in a
    /// StoredAck to drop it from its spool rather than resend it.
    /// </summary>
    private async ValueTask RefuseAsync(HookEvent hookEvent, StreamOutbox outbox, string code, string reason, CancellationToken cancellation)
    {
        if (hookEvent.DecisionWanted)
        {
            await outbox.SendAsync(new ProcessHookEventResponse { Decision = Refusal(hookEvent, code, reason) }, cancellation)
                .ConfigureAwait(false);
        }
        outbox.Reject(hookEvent.EventId, code, reason);
        _metrics.Rejected(1);
    }

    private RpcException OverLimit(string reason)
    {
        _metrics.OverLimit();
        return new RpcException(new Status(StatusCode.ResourceExhausted, reason));
    }

    private async ValueTask OwnedOrRefusedAsync(ServerCallContext context, string sessionId, string what)
    {
        try
        {
            await _gate.OwnedAsync(AuthInterceptor.CallerOf(context), sessionId, context.CancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied)
        {
            Log.SessionRefused(_logger, sessionId, what);
            throw;
        }
    }

    /// <summary>
    /// An authenticated caller's identity replaces whatever the event claims, before policy and storage see it:
    /// a sidecar cannot speak for another user. Without authentication the sidecar's claim stands, marked as such.
    /// </summary>
    private static void Stamp(HookEvent hookEvent, Caller caller)
    {
        if (caller.Authenticated)
        {
            hookEvent.User = caller.User;
            hookEvent.Org = caller.Org;
        }
    }

    /// <summary>
    /// A time outside what a Timestamp can hold (seconds beyond year 9999, negative nanos) throws wherever it is read,
    /// the audit writer included: it becomes "not given", so the time the server received the event stands.
    /// </summary>
    private void Normalize(HookEvent hookEvent)
    {
        if (hookEvent.Time is { } time && !(time.Seconds is >= MinTimestampSeconds and <= MaxTimestampSeconds && time.Nanos is >= 0 and <= 999_999_999))
        {
            Log.StreamProtocolError(_logger, $"event {hookEvent.EventId} has an invalid time ({time.Seconds} s, {time.Nanos} ns); the time it was received stands");
            hookEvent.Time = null;
        }
    }

    // 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range of google.protobuf.Timestamp.
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;

    private async ValueTask<Decision> DecideAsync(HookEvent hookEvent, CancellationToken cancellation)
    {
        var started = _time.GetTimestamp();
        // Awaited: a session whose state is still being loaded holds up its own decisions only.
        var state = await _sessions.StateOfAsync(hookEvent.SessionId, cancellation).ConfigureAwait(false);
        var decision = DecisionEngine.Decide(hookEvent, _policy.Current, state);
        _metrics.Decided(decision.Verdict, _time.GetElapsedTime(started));
        return decision;
    }

    private static void ValidateEvent(HookEvent hookEvent)
    {
        SessionGate.RequireUuid(hookEvent.EventId, "event_id");
        SessionGate.RequireUuid(hookEvent.SessionId, "session_id");
        if (IsReservedEventName(hookEvent.HookEventName))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ReservedEventNameReason));
        }
        if (AppliedRuleIdsProblem(hookEvent) is { } ruleIdsProblem)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, ruleIdsProblem));
        }
    }

    /// <summary>
    /// More rule ids than a real decision names (each a rule that decided it), ids longer than a policy author writes:
    /// together they keep the comma-joined list within what PostgreSQL's btree index on it takes (about 2.7 KB),
    /// and one event's cost to the writer small.
    /// </summary>
    internal const int MaxAppliedRuleIds = Policy.PolicyDecision.MaxRuleIds;

    internal const int MaxRuleIdLength = Policy.PolicyRule.MaxIdLength;

    /// <summary>Why an applied decision's rule ids are not a real sidecar's (the ids of its policy's rules), or null.</summary>
    private static string? AppliedRuleIdsProblem(HookEvent hookEvent) => hookEvent.Applied?.RuleIds switch
    {
        { Count: > MaxAppliedRuleIds } ids => $"the applied decision names {ids.Count} rule ids (at most {MaxAppliedRuleIds})",
        { } ids when ids.Any(id => id.Length is 0 or > MaxRuleIdLength || id.Contains(',', StringComparison.Ordinal)) =>
            $"an applied rule id is empty, longer than {MaxRuleIdLength} characters or holds a comma",
        _ => null,
    };

    private const string ReservedEventNameCode = "reserved_event_name";
    private const string ReservedEventNameReason =
        "the hook event name " + ApprovalProtocol.AnswerEventName + " is the server's own (an approval's answer): a sidecar cannot send it";

    /// <summary>The answer rows of approvals are the server's to write: an event from a sidecar may not pose as one.</summary>
    private static bool IsReservedEventName(string hookEventName)
        => string.Equals(hookEventName.Trim(), ApprovalProtocol.AnswerEventName, StringComparison.OrdinalIgnoreCase);

    /// <summary>The sessions a stream has checked already; bounded, as a stream may name many (each checked again later).</summary>
    private sealed class AdmittedSessions
    {
        private const int Max = 1024;
        private readonly HashSet<string> _ids = new(StringComparer.Ordinal);

        public bool Contains(string sessionId) => _ids.Contains(sessionId);

        public void Add(string sessionId)
        {
            if (_ids.Count >= Max)
            {
                _ids.Clear();
            }
            _ids.Add(sessionId);
        }
    }
}
