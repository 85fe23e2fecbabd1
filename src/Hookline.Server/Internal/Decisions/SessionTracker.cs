using System.Collections.Concurrent;
using Hookline.Policy;
using Hookline.Server.Internal.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Decisions;

/// <summary>
/// In-memory view of live sessions: which have an open stream, and the policy session state (rate limits,
/// taints, denials) that session-aware rules read. Also marks silent sessions disconnected in the store, and drops
/// the in-memory state of sessions silent for longer than the idle timeout once it is stored: a server running for
/// weeks holds the state of its live sessions only. A dropped session's next decision loads its state back.
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
    private long _dropped;

    public SessionTracker(IAuditStore store, TimeProvider time, ILogger<SessionTracker> logger, HooklineServerOptions options)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _idle = options.SessionIdleTimeout;
    }

    public int OpenStreamCount => _openStreams.Values.Sum();

    /// <summary>Sessions whose policy state is held in memory.</summary>
    public int StateCount => _states.Count;

    public bool HoldsState(string sessionId) => _states.ContainsKey(sessionId);

    /// <summary>Sessions whose stored state was dropped from memory after they went silent, since the server started.</summary>
    public long DroppedStateCount => Interlocked.Read(ref _dropped);

    /// <summary>
    /// The session's state for a decision. A session not held in memory (new, or dropped while silent) is loaded from
    /// the store first, so a session that comes back continues with what it remembered.
    /// </summary>
    public async ValueTask<PolicySessionState> StateOfAsync(string sessionId, CancellationToken cancellation = default)
        => (await UseAsync(sessionId, reload: false, cancellation).ConfigureAwait(false)).State;

    /// <summary>
    /// Takes in what the store remembers of a session (written by another replica, or before a restart), merged with
    /// what this replica holds. Called when a stream opens or a session resumes, before its events are evaluated.
    /// </summary>
    public async ValueTask LoadStoredAsync(string sessionId, CancellationToken cancellation = default)
        => await UseAsync(sessionId, reload: true, cancellation).ConfigureAwait(false);

    /// <summary>
    /// The session's tracked state, marked used now. Loads the stored state into a fresh entry, or, with
    /// <paramref name="reload"/>, into any entry. The load is awaited outside every lock: only this session's
    /// decisions wait for it, and an entry being loaded is pinned, so a sweep never drops an entry in use.
    /// </summary>
    private async ValueTask<TrackedState> UseAsync(string sessionId, bool reload, CancellationToken cancellation)
    {
        while (true)
        {
            var tracked = _states.GetOrAdd(sessionId, static (_, time) => new TrackedState(new PolicySessionState(time)), _time);
            lock (tracked)
            {
                if (tracked.Dropped)
                {
                    continue; // dropped by a sweep between the lookup and the lock: a fresh entry takes its place
                }
                tracked.LastUsed = _time.GetTimestamp();
                if (!reload && Volatile.Read(ref tracked.Loaded))
                {
                    return tracked;
                }
                tracked.Loading++;
            }
            try
            {
                await ImportAsync(sessionId, tracked, reload, cancellation).ConfigureAwait(false);
            }
            finally
            {
                lock (tracked)
                {
                    tracked.Loading--;
                    tracked.LastUsed = _time.GetTimestamp();
                }
            }
            return tracked;
        }
    }

    /// <summary>
    /// One load at a time per entry, in arrival order: a decision that finds the entry not yet loaded waits for the
    /// load ahead of it instead of deciding on an empty state, and then does not load again.
    /// </summary>
    private async ValueTask ImportAsync(string sessionId, TrackedState tracked, bool reload, CancellationToken cancellation)
    {
        await tracked.LoadGate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            if (!reload && Volatile.Read(ref tracked.Loaded))
            {
                return;
            }
            PolicySessionMemory? stored;
            try
            {
                stored = await _store.LoadSessionStateAsync(sessionId, cancellation).ConfigureAwait(false);
            }
            catch (FormatException ex)
            {
                // Unreadable stored state must not keep the session from being served; it continues from what is here.
                Log.SessionStateUnreadable(_logger, ex, sessionId);
                stored = null;
            }
            if (stored is not null)
            {
                // Import merges under the state's own lock, so a decision of another stream racing a reload loses
                // nothing; and it changes nothing that needs storing again: what it adds came from the store.
                tracked.State.Import(stored);
            }
            Volatile.Write(ref tracked.Loaded, true);
        }
        finally
        {
            tracked.LoadGate.Release();
        }
    }

    /// <summary>
    /// The memories of the batch's sessions that changed since they were last stored, one per session. Read after
    /// the batch's events were evaluated, so each holds their effects; <see cref="MarkStored"/> once committed.
    /// </summary>
    public List<(SessionStateWrite Write, long Changes, TrackedState Tracked)>? Unsaved(IReadOnlyList<AuditRecord> batch)
    {
        List<(SessionStateWrite, long, TrackedState)>? unsaved = null;
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
            (unsaved ??= []).Add((new SessionStateWrite(sessionId, tracked.State.Export()), changes, tracked));
        }
        return unsaved;
    }

    public static void MarkStored(List<(SessionStateWrite Write, long Changes, TrackedState Tracked)> stored)
    {
        // The entry that was exported, not whichever holds the session now: counts of changes are per entry.
        foreach (var (_, changes, tracked) in stored)
        {
            // The audit writer is the only caller, one batch at a time.
            Volatile.Write(ref tracked.Stored, Math.Max(Volatile.Read(ref tracked.Stored), changes));
        }
    }

    public void StreamOpened(string sessionId) => _openStreams.AddOrUpdate(sessionId, 1, static (_, n) => n + 1);

    public void StreamClosed(string sessionId)
    {
        if (_openStreams.AddOrUpdate(sessionId, 0, static (_, n) => n - 1) <= 0)
        {
            _openStreams.TryRemove(new KeyValuePair<string, int>(sessionId, 0));
        }
        if (_states.TryGetValue(sessionId, out var tracked))
        {
            // Silence is counted from the stream's end, not from the session's last decision.
            lock (tracked)
            {
                tracked.LastUsed = _time.GetTimestamp();
            }
        }
    }

    public void Ended(string sessionId)
    {
        if (_states.TryRemove(sessionId, out var tracked))
        {
            lock (tracked)
            {
                tracked.Dropped = true;
            }
        }
    }

    /// <summary>One sweep; public for tests that drive time by hand.</summary>
    public int Sweep()
    {
        // Memory first: dropping stored state needs no database, so a store that is down does not hold it up.
        DropSilentStates();
        var cutoff = (_time.GetUtcNow() - _idle).ToUnixTimeMilliseconds();
        var connected = new HashSet<string>(_openStreams.Keys);
        int count;
        try
        {
            count = _store.MarkSilentSessionsDisconnected(cutoff, connected);
        }
        catch (Exception ex) when (_store.IsTransient(ex))
        {
            // A database that is away for a moment must not stop the sweeps for good.
            Log.SessionSweepFailed(_logger, ex);
            return 0;
        }
        if (count > 0)
        {
            Log.SessionsDisconnected(_logger, count);
        }
        return count;
    }

    /// <summary>
    /// Drops the state of sessions with no open stream, unused for longer than the idle timeout, whose every change is
    /// stored. Unsaved state stays (its events are retried, or resent by their sidecar, and store it with them).
    /// </summary>
    private void DropSilentStates()
    {
        var now = _time.GetTimestamp();
        foreach (var (sessionId, tracked) in _states)
        {
            if (_openStreams.ContainsKey(sessionId))
            {
                continue;
            }
            lock (tracked)
            {
                if (_time.GetElapsedTime(tracked.LastUsed, now) <= _idle
                    || tracked.Loading > 0
                    || tracked.State.Changes != Volatile.Read(ref tracked.Stored)
                    || _openStreams.ContainsKey(sessionId))
                {
                    continue;
                }
                tracked.Dropped = true;
                _states.TryRemove(new KeyValuePair<string, TrackedState>(sessionId, tracked));
            }
            Interlocked.Increment(ref _dropped);
        }
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

    /// <summary>Whether the stored state was loaded into this entry; written under <see cref="LoadGate"/>.</summary>
    public bool Loaded;

    /// <summary>Lets one load of the stored state run at a time, awaited (a load is a database round trip).</summary>
    public SemaphoreSlim LoadGate { get; } = new(1, 1);

    /// <summary>Loads in progress: a sweep leaves the entry alone. Under the entry's lock, as are the fields below.</summary>
    public int Loading;

    /// <summary>When a decision or a stream last used the state (a <see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long LastUsed;

    /// <summary>Removed from the tracker: whoever still finds this entry takes a fresh one.</summary>
    public bool Dropped;
}
