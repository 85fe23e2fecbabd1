using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Server.Internal.Decisions;
using Hookline.Server.Internal.Grpc;
using Hookline.Server.Internal.Metrics;
using Hookline.Server.Internal.Storage;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Approvals;

/// <summary>
/// Approvals on this replica: opens them for the decision path (or folds, remembers, caps), takes answers from every
/// channel (<see cref="IApprovalDesk"/>), times them out, and passes each resolution to the streams waiting on it. The
/// rows are the truth: an answer is a conditional update (the first wins, on every replica), each answer and timeout
/// is a chained audit row of its own, and with PostgreSQL every change is announced to the other replicas.
/// </summary>
internal sealed partial class ApprovalService : IApprovalDesk
{
    // An approver's reason goes to the agent and into two rows: a sentence, not a document.
    private const int MaxReasonBytes = 2048;
    // The longest a hook may wait for a person (AgentNames.ApprovalWaitCapMs): a sidecar cannot stretch an approval past it.
    private const uint MaxWaitMs = 570_000;
    // An approval closes this long before the hook gives up, so no answer is taken that the hook can no longer hear.
    private const uint ClosingMarginMs = 1_000;
    // The stored (and shown) subject: enough to judge a command, not a document. The subject key hashes it whole.
    private const int MaxSubjectBytes = 4096;

    private readonly ApprovalStore _store;
    private readonly AuditWriter _audit;
    private readonly PolicyHolder _policy;
    private readonly TimeProvider _time;
    private readonly ServerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _maxPendingPerSession;
    private readonly ApprovalWaiters _waiters = new();
    // Opening must not race itself within a session: two identical requests fold into one approval, and the cap holds.
    // Striped by session, so one session's slow opening (its database calls) never holds up another's.
    private readonly SemaphoreSlim[] _opening = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();
    // What Changed last said of each approval, so a replica's own notifications do not raise it twice.
    private readonly ConcurrentDictionary<string, string> _announced = new(StringComparer.Ordinal);

    public ApprovalService(IAuditStore store, AuditWriter audit, PolicyHolder policy, TimeProvider time, ServerMetrics metrics,
        HooklineServerOptions options, ILogger<ApprovalService> logger)
    {
        _store = new ApprovalStore(store);
        _audit = audit;
        _policy = policy;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _maxPendingPerSession = options.MaxPendingApprovalsPerSession;
        _timer = time.CreateTimer(_ => Kick(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public event Action<ApprovalView>? Changed;

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private ulong Epoch => _policy.Current.Epoch;

    public async Task<IReadOnlyList<ApprovalView>> ListAsync(string? org, string? status, int limit, CancellationToken cancellation)
        => await _store.ListAsync(org, status, limit, cancellation).ConfigureAwait(false);

    public Task<ApprovalView?> FindAsync(string? org, string id, CancellationToken cancellation) => _store.FindAsync(org, id, cancellation);

    public Task<long> CountPendingAsync(string? org, CancellationToken cancellation) => _store.CountPendingAsync(org, cancellation);

    /// <summary>
    /// Turns <paramref name="decision"/> (an ask with ApprovalRequired, for a sidecar that can wait) into what the stream
    /// answers: allow when the subject was approved earlier in the session (remember: session), on_timeout over the
    /// session's cap, else pending on a new approval or on an identical one already pending. The returned waiter holds
    /// the resolution until <see cref="ApprovalWaiters.Waiter.Release"/>, called once the decision is sent.
    /// </summary>
    public async Task<(Decision Decision, ApprovalWaiters.Waiter? Waiter)> OpenAsync(HookEvent hookEvent, Decision decision,
        StreamOutbox outbox, CancellationToken cancellation)
    {
        var requirement = decision.ApprovalRequired;
        var subjectKey = requirement.SubjectKey.Length > 0 ? requirement.SubjectKey : SubjectKey(hookEvent.ToolName, requirement.Subject);
        if (Unshowable(requirement.Subject))
        {
            ApprovalDecisions.ApplyOnTimeout(decision, ApprovalProtocol.UnshowableCode,
                "the command hides code (a shell expansion or substitution) behind a secret-like value, so it cannot be shown to an approver");
            return (decision, null);
        }
        var opening = _opening[(StringComparer.Ordinal.GetHashCode(hookEvent.SessionId) & int.MaxValue) % _opening.Length];
        await opening.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            if (requirement.RememberSession
                && await _store.WasApprovedAsync(hookEvent.SessionId, requirement.RuleId, subjectKey, cancellation).ConfigureAwait(false))
            {
                ApprovalDecisions.ApplyRemembered(decision);
                return (decision, null);
            }
            var now = _time.GetUtcNow();
            var folded = await _store.FindPendingAsync(hookEvent.SessionId, requirement.RuleId, subjectKey, now.ToUnixTimeMilliseconds(), cancellation)
                .ConfigureAwait(false);
            if (folded is not null)
            {
                var waiter = _waiters.Add(folded.Id, outbox, held: true);
                ApprovalDecisions.ApplyPending(decision, folded);
                // Resolved between the lookup and the registration: the waiter gets it after the pending decision.
                await CatchUpAsync(folded.Id, cancellation).ConfigureAwait(false);
                return (decision, waiter);
            }
            var pending = await _store.CountPendingAsync(hookEvent.SessionId, now.ToUnixTimeMilliseconds(), cancellation).ConfigureAwait(false);
            if (pending >= _maxPendingPerSession)
            {
                ApprovalDecisions.ApplyOnTimeout(decision, ApprovalProtocol.LimitCode,
                    $"this session already has {pending} approvals waiting, as many as the server allows");
                return (decision, null);
            }
            var approval = New(hookEvent, requirement, now);
            var opened = _waiters.Add(approval.Id, outbox, held: true);
            await _store.InsertAsync(approval, subjectKey, cancellation).ConfigureAwait(false);
            ApprovalDecisions.ApplyPending(decision, approval);
            _metrics.ApprovalOpened();
            ApprovalLog.Opened(_logger, approval.Id, approval.SessionId, approval.RuleId,
                (long)(approval.ExpiresAt - now).TotalMilliseconds);
            Schedule(approval.ExpiresAt.ToUnixTimeMilliseconds());
            Announce(approval);
            return (decision, opened);
        }
        finally
        {
            opening.Release();
        }
    }

    /// <summary>
    /// A sidecar still waits on <paramref name="approvalId"/> (after its stream broke, a restart, another replica).
    /// Answered at once when resolved or past its deadline, else when it is; an approval of a session this stream was
    /// not admitted to is answered not found (deny).
    /// </summary>
    public async Task AwaitAsync(string approvalId, string eventId, Func<string, bool> admitted, StreamOutbox outbox, CancellationToken cancellation)
    {
        var approval = SessionGateIsUuid(approvalId) ? await _store.FindAsync(null, approvalId, cancellation).ConfigureAwait(false) : null;
        if (approval is null || !admitted(approval.SessionId))
        {
            await outbox.SendAsync(new ProcessHookEventResponse { ApprovalResolved = ApprovalDecisions.NotFound(approvalId, eventId, Epoch) },
                cancellation).ConfigureAwait(false);
            return;
        }
        _waiters.Add(approvalId, outbox, held: false);
        await CatchUpAsync(approvalId, cancellation).ConfigureAwait(false);
    }

    /// <summary>A stream closed: its waits go with it.</summary>
    public void StreamClosed(StreamOutbox outbox) => _waiters.Closed(outbox);

    public async Task<AnswerResult> AnswerAsync(Approver approver, string id, bool approve, string? reason, string channel,
        CancellationToken cancellation)
    {
        var approval = await _store.FindAsync(null, id, cancellation).ConfigureAwait(false);
        if (approval is null)
        {
            return new AnswerResult(AnswerOutcome.NotFound, "no such approval", null);
        }
        if (ApproverRules.Refusal(approval, approver) is { } refusal)
        {
            return new AnswerResult(refusal.Outcome, refusal.Message, refusal.Outcome == AnswerOutcome.NotFound ? null : approval);
        }
        reason = Redactor.Truncate(reason?.Trim() ?? "", MaxReasonBytes, out _);
        channel = KnownChannel(channel);
        if (!approve && reason.Length == 0)
        {
            return new AnswerResult(AnswerOutcome.ReasonRequired, "a deny needs a reason", approval);
        }
        var now = _time.GetUtcNow();
        var status = approve ? ApprovalProtocol.StatusApproved : ApprovalProtocol.StatusDenied;
        if (approval.Status == ApprovalProtocol.StatusPending
            && await _store.ResolveAsync(id, status, approver.User, channel, reason, now.ToUnixTimeMilliseconds(), cancellation).ConfigureAwait(false))
        {
            var answered = approval with { Status = status, AnsweredBy = approver.User, AnsweredAt = now, Channel = channel, Reason = reason };
            _metrics.ApprovalAnswered(approve);
            ApprovalLog.Answered(_logger, id, status, approver.User, channel);
            // The answer is in the audit trail before the agent or the approver hears it was taken.
            await RecordAsync(answered, now, approver.Authenticated).WaitAsync(cancellation).ConfigureAwait(false);
            Resolved(answered);
            return new AnswerResult(AnswerOutcome.Answered, status, answered);
        }
        // Another answer, or the deadline, came first.
        var current = await _store.FindAsync(null, id, cancellation).ConfigureAwait(false) ?? approval;
        if (current.Status == ApprovalProtocol.StatusPending)
        {
            await ExpireAsync(current, cancellation).ConfigureAwait(false);
            return new AnswerResult(AnswerOutcome.Expired, "the approval expired before it was answered",
                await _store.FindAsync(null, id, cancellation).ConfigureAwait(false) ?? current);
        }
        return current.Status == ApprovalProtocol.StatusTimedOut
            ? new AnswerResult(AnswerOutcome.Expired, "the approval expired before it was answered", current)
            : new AnswerResult(AnswerOutcome.AlreadyResolved, $"already {current.Status} by {current.AnsweredBy}", current);
    }

    /// <summary>The approval's row is no longer pending: every stream of this replica waiting on it hears it, once.</summary>
    private void Resolved(ApprovalView approval)
    {
        _waiters.Resolve(ApprovalDecisions.Resolved(approval, Epoch));
        Announce(approval);
    }

    /// <summary>Passes on what the row says now: resolved to this replica's waiters, a passed deadline to the expiry.</summary>
    private async Task CatchUpAsync(string id, CancellationToken cancellation)
    {
        var approval = await _store.FindAsync(null, id, cancellation).ConfigureAwait(false);
        if (approval is null)
        {
            return;
        }
        if (approval.Status != ApprovalProtocol.StatusPending)
        {
            Resolved(approval);
        }
        else if (approval.ExpiresAt.ToUnixTimeMilliseconds() <= NowMs)
        {
            await ExpireAsync(approval, cancellation).ConfigureAwait(false);
        }
        else
        {
            Announce(approval);
            Schedule(approval.ExpiresAt.ToUnixTimeMilliseconds());
        }
    }

    /// <summary>The answer's (or timeout's) audit row, queued for the audit writer; completes once it is stored.</summary>
    private Task RecordAsync(ApprovalView approval, DateTimeOffset now, bool authenticated)
    {
        var (hookEvent, decision) = ApprovalAnswerRow.Of(approval, Epoch, now);
        var sink = new StoredSignal();
        var queued = _audit.EnqueueAsync(new AuditRecord(hookEvent, decision, now.ToUnixTimeMilliseconds(), sink) { Authenticated = authenticated },
            CancellationToken.None);
        return queued.IsCompletedSuccessfully ? sink.Stored : AfterAsync(queued, sink);

        static async Task AfterAsync(ValueTask queued, StoredSignal sink)
        {
            await queued.ConfigureAwait(false);
            await sink.Stored.ConfigureAwait(false);
        }
    }

    /// <summary>Raises <see cref="Changed"/> when the approval is new to this replica or its status changed.</summary>
    private void Announce(ApprovalView approval)
    {
        if (_announced.TryGetValue(approval.Id, out var last) && last == approval.Status)
        {
            return;
        }
        if (_announced.Count > 10_000)
        {
            _announced.Clear();
        }
        _announced[approval.Id] = approval.Status;
        // Shown as a lookup shows it: redacted even when the capture mode stored it whole.
        Changed?.Invoke(approval with { Subject = Redactor.RedactStored(approval.Subject) ?? "" });
    }

    private ApprovalView New(HookEvent hookEvent, ApprovalRequirement requirement, DateTimeOffset now)
    {
        var wait = Math.Min(hookEvent.ApprovalWaitMs, MaxWaitMs);
        var timeout = requirement.TimeoutMs > 0 ? Math.Min(requirement.TimeoutMs, wait) : wait;
        timeout = Math.Max(ClosingMarginMs, timeout - Math.Min(timeout, ClosingMarginMs));
        return new ApprovalView(
            Guid.NewGuid().ToString(), hookEvent.Org, hookEvent.SessionId, hookEvent.EventId, hookEvent.Agent, hookEvent.User,
            hookEvent.ToolName, Captured(requirement.Subject), requirement.RuleId,
            requirement.Approvers.Count > 0 ? [.. requirement.Approvers] : [ApprovalProtocol.AnyApprover],
            requirement.SelfApprove, requirement.RememberSession ? "session" : "once",
            Names.Of(ApprovalDecisions.OnTimeout(requirement.OnTimeout)), now, now.AddMilliseconds(timeout), ApprovalProtocol.StatusPending);
    }

    /// <summary>
    /// The subject as the server's capture mode stores payloads (redacted, as it came (full), or not at all), cut at
    /// <see cref="MaxSubjectBytes"/> with the cut marked.
    /// </summary>
    private string Captured(string subject)
    {
        var captured = _audit.Capture.Mode switch
        {
            CaptureMode.None => "",
            CaptureMode.Full => subject,
            _ => Redactor.Redact(subject),
        };
        var cut = Redactor.Truncate(captured, MaxSubjectBytes - 3, out var truncated);
        return truncated ? cut + "…" : captured;
    }

    /// <summary>
    /// Whether an approver would be shown a lie: redaction changes the subject (the secret patterns take any quoted
    /// value) and the subject holds shell code that could be what was hidden, e.g.
    /// <c>GITHUB_TOKEN="$(curl … | bash)" git push</c> shown as <c>GITHUB_TOKEN="[REDACTED:secret]" git push</c>.
    /// </summary>
    internal static bool Unshowable(string subject)
        => (subject.Contains('$') || subject.Contains('`') || subject.Contains("<(", StringComparison.Ordinal)
                || subject.Contains(">(", StringComparison.Ordinal))
            && !string.Equals(Redactor.Redact(subject), subject, StringComparison.Ordinal);

    /// <summary>Where an answer came from, as the audit trail records it: one of the known channels, else api.</summary>
    private static string KnownChannel(string channel) => channel switch
    {
        ApprovalProtocol.ChannelDashboard or ApprovalProtocol.ChannelCli or ApprovalProtocol.ChannelLink => channel,
        _ => ApprovalProtocol.ChannelApi,
    };

    /// <summary>When the policy gave none: SHA-256 hex of the tool name and subject.</summary>
    private static string SubjectKey(string toolName, string subject)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(toolName + "\n" + subject)));

    private static bool SessionGateIsUuid(string id) => Auth.SessionGate.IsUuid(id);

    /// <summary>Completes when the audit writer stored (or refused) the record.</summary>
    private sealed class StoredSignal : IStoredAckSink
    {
        private readonly TaskCompletionSource _stored = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Stored => _stored.Task;

        public void Acknowledge(IReadOnlyList<AuditRecord> stored, IReadOnlyList<RejectedEvent> rejected) => _stored.TrySetResult();
    }
}
