using System.Collections.Concurrent;
using Hookline.Policy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal;

/// <summary>
/// In-memory view of live sessions: which have an open stream, and the policy session state (rate limits,
/// taints, denials) that session-aware rules read. Also marks silent sessions disconnected in the store.
/// </summary>
internal sealed class SessionTracker : BackgroundService
{
    private readonly ConcurrentDictionary<string, int> _openStreams = new();
    private readonly ConcurrentDictionary<string, TrackedState> _states = new();
    private readonly IAuditStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _idle;
    private long _batches;

    public SessionTracker(IAuditStore store, TimeProvider time, ILogger<SessionTracker> logger, HooklineServerOptions options)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _idle = options.SessionIdleTimeout;
    }

    public int OpenStreamCount => _openStreams.Values.Sum();

    public PolicySessionState StateOf(string sessionId) => Tracked(sessionId).State;

    /// <summary>
    /// Takes in what the store remembers of a session (written by another replica, or before a restart), merged with
    /// what this replica holds. Called when a stream opens or a session resumes, before its events are evaluated.
    /// </summary>
    public void LoadStored(string sessionId)
    {
        PolicySessionMemory? stored;
        try
        {
            stored = _store.LoadSessionState(sessionId);
        }
        catch (FormatException ex)
        {
            // Unreadable stored state must not keep the session from being served; it continues from what is here.
            Log.SessionStateUnreadable(_logger, ex, sessionId);
            return;
        }
        if (stored is not null)
        {
            Tracked(sessionId).State.Import(stored);
        }
    }

    /// <summary>
    /// The memories of the batch's sessions that changed since they were last stored, one per session. Read after
    /// the batch's events were evaluated, so each holds their effects; <see cref="MarkStored"/> once committed.
    /// </summary>
    public List<(SessionStateWrite Write, long Changes)>? Unsaved(IReadOnlyList<AuditRecord> batch)
    {
        List<(SessionStateWrite, long)>? unsaved = null;
        var batchNumber = ++_batches;
        string? previous = null;
        foreach (var record in batch)
        {
            var sessionId = record.Event.SessionId;
            // Batches usually run one session after another: skip the repeats without a lookup.
            if (sessionId == previous || !_states.TryGetValue(sessionId, out var tracked))
            {
                continue;
            }
            previous = sessionId;
            // Changes is read before the export: a change racing in between is stored now and again next time, never lost.
            var changes = tracked.State.Changes;
            if (changes == Volatile.Read(ref tracked.Stored) || tracked.Batch == batchNumber)
            {
                continue;
            }
            tracked.Batch = batchNumber;
            (unsaved ??= []).Add((new SessionStateWrite(sessionId, tracked.State.Export()), changes));
        }
        return unsaved;
    }

    public void MarkStored(List<(SessionStateWrite Write, long Changes)> stored)
    {
        foreach (var (write, changes) in stored)
        {
            if (_states.TryGetValue(write.SessionId, out var tracked))
            {
                // The audit writer is the only caller, one batch at a time.
                Volatile.Write(ref tracked.Stored, Math.Max(Volatile.Read(ref tracked.Stored), changes));
            }
        }
    }

    private TrackedState Tracked(string sessionId)
        => _states.GetOrAdd(sessionId, static (_, time) => new TrackedState(new PolicySessionState(time)), _time);

    public void StreamOpened(string sessionId) => _openStreams.AddOrUpdate(sessionId, 1, static (_, n) => n + 1);

    public void StreamClosed(string sessionId)
    {
        if (_openStreams.AddOrUpdate(sessionId, 0, static (_, n) => n - 1) <= 0)
        {
            _openStreams.TryRemove(new KeyValuePair<string, int>(sessionId, 0));
        }
    }

    public void Ended(string sessionId) => _states.TryRemove(sessionId, out _);

    /// <summary>One sweep; public for tests that drive time by hand.</summary>
    public int Sweep()
    {
        var cutoff = (_time.GetUtcNow() - _idle).ToUnixTimeMilliseconds();
        var connected = new HashSet<string>(_openStreams.Keys);
        var count = _store.MarkSilentSessionsDisconnected(cutoff, connected);
        if (count > 0)
        {
            Log.SessionsDisconnected(_logger, count);
        }
        return count;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromTicks(Math.Max(_idle.Ticks / 3, TimeSpan.TicksPerSecond)), _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                Sweep();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>A session's policy state and how many of its changes are stored.</summary>
internal sealed class TrackedState(PolicySessionState state)
{
    public PolicySessionState State { get; } = state;

    /// <summary>The state's <see cref="PolicySessionState.Changes"/> as of its last stored export.</summary>
    public long Stored;

    /// <summary>The last batch that exported this state (so a batch exports it once); the audit writer's only.</summary>
    public long Batch;
}
