using Hookline.Contracts.V1;
using Hookline.Policy;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Decisions;
using Hookline.Server.Internal.Storage;
using Hookline.Server.Internal.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Hookline.Server.Tests;

/// <summary>
/// Loading a session's stored policy state is awaited, never done under a lock: a slow load holds up that session's
/// decisions only, they wait for it rather than deciding on an empty state, and a reload racing a decision loses nothing.
/// A real SQLite store behind a wrapper that holds one session's loads until released.
/// </summary>
public sealed class SessionStateLoadTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly SqliteStore _sqlite;
    private readonly HeldLoads _store;
    private readonly SessionTracker _tracker;
    private readonly string _slow = Guid.NewGuid().ToString();
    private readonly string _other = Guid.NewGuid().ToString();

    public SessionStateLoadTests()
    {
        _sqlite = new SqliteStore(_dir.Path);
        _store = new HeldLoads(_sqlite, _slow);
        _tracker = new SessionTracker(_store, TimeProvider.System, NullLogger<SessionTracker>.Instance, new HooklineServerOptions());
        _sqlite.WriteBatch([], [new SessionStateWrite(_slow, Tainted("secrets")), new SessionStateWrite(_other, Tainted("keys"))]);
    }

    public void Dispose()
    {
        _sqlite.Dispose();
        _dir.Dispose();
    }

    private static PolicySessionMemory Tainted(string label)
    {
        var state = new PolicySessionState();
        state.AddTaint(label);
        return state.Export();
    }

    [Fact]
    public async Task A_slow_load_holds_up_its_own_sessions_decisions_only_and_they_wait_for_it_in_one_load()
    {
        var release = _store.Hold();
        var first = _tracker.StateOfAsync(_slow).AsTask();
        var second = _tracker.StateOfAsync(_slow).AsTask();
        await _store.LoadStarted.WaitAsync(Bound.Hang);

        // Another session is decided while the slow one's load is still held.
        var other = await _tracker.StateOfAsync(_other).AsTask().WaitAsync(Bound.Hang);
        Assert.Equal(["keys"], other.Taints);
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);

        release.SetResult();
        var (a, b) = (await first.WaitAsync(Bound.Hang), await second.WaitAsync(Bound.Hang));
        // Both decisions see the stored state, in the same entry, loaded once.
        Assert.Same(a, b);
        Assert.Equal(["secrets"], a.Taints);
        Assert.Equal(1, _store.HeldLoadCount);
    }

    [Fact]
    public async Task A_decision_racing_a_reload_keeps_its_change_and_the_reload_adds_what_another_replica_stored()
    {
        var state = await _tracker.StateOfAsync(_slow).AsTask().WaitAsync(Bound.Hang);
        // Another replica stores a taint of this session; a stream opening here reloads the session.
        _sqlite.WriteBatch([], [new SessionStateWrite(_slow, Tainted("prod"))]);
        var release = _store.Hold();
        var reload = _tracker.LoadStoredAsync(_slow).AsTask();
        await _store.LoadStarted.WaitAsync(Bound.Hang);

        // A decision of another stream of the session goes on with what is loaded, and changes it meanwhile.
        var during = await _tracker.StateOfAsync(_slow).AsTask().WaitAsync(Bound.Hang);
        Assert.Same(state, during);
        during.AddTaint("keys");

        release.SetResult();
        await reload.WaitAsync(Bound.Hang);
        Assert.Equal(["keys", "prod", "secrets"], state.Taints.Order(StringComparer.Ordinal));
    }

    /// <summary>The store, except that loads of one session wait for <see cref="Hold"/>'s release once it is called.</summary>
    private sealed class HeldLoads(IAuditStore inner, string heldSession) : IAuditStore
    {
        private volatile TaskCompletionSource? _release;
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _held;

        /// <summary>Completes when a held load has begun.</summary>
        public Task LoadStarted => _started.Task;

        public int HeldLoadCount => Volatile.Read(ref _held);

        public TaskCompletionSource Hold() => _release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<PolicySessionMemory?> LoadSessionStateAsync(string sessionId, CancellationToken cancellation = default)
        {
            if (sessionId == heldSession && _release is { } release)
            {
                Interlocked.Increment(ref _held);
                _started.TrySetResult();
                await release.Task.WaitAsync(cancellation);
            }
            return await inner.LoadSessionStateAsync(sessionId, cancellation);
        }

        public string Location => inner.Location;
        public IAuditReader Reader => inner.Reader;
        public BatchOutcome WriteBatch(IReadOnlyList<AuditRecord> batch, long storedAtMs, IReadOnlyList<SessionStateWrite>? states = null,
            IReadOnlyList<ReportedLatency>? latencies = null)
            => inner.WriteBatch(batch, storedAtMs, states, latencies);
        public bool IsTransient(Exception exception) => inner.IsTransient(exception);
        public ulong AcceptPolicy(string hash, string document, string source, long nowMs) => inner.AcceptPolicy(hash, document, source, nowMs);
        public ValueTask<(SessionRecord Session, bool Resumed)> CreateOrResumeSessionAsync(CreateSessionRequest request, string sessionId,
            long nowMs, SessionIdentity identity, CancellationToken cancellation = default)
            => inner.CreateOrResumeSessionAsync(request, sessionId, nowMs, identity, cancellation);
        public ValueTask<SessionRecord?> TouchAsync(string sessionId, long nowMs, CancellationToken cancellation = default)
            => inner.TouchAsync(sessionId, nowMs, cancellation);
        public ValueTask<SessionRecord?> EndSessionAsync(string sessionId, long nowMs, CancellationToken cancellation = default)
            => inner.EndSessionAsync(sessionId, nowMs, cancellation);
        public ValueTask<SessionRecord?> FindSessionAsync(string sessionId, CancellationToken cancellation = default)
            => inner.FindSessionAsync(sessionId, cancellation);
        public int MarkSilentSessionsDisconnected(long cutoffMs, IReadOnlySet<string> connected) => inner.MarkSilentSessionsDisconnected(cutoffMs, connected);
        public int Prune(long cutoffMs, long nowMs, int max) => inner.Prune(cutoffMs, nowMs, max);
        public void Dispose() => inner.Dispose();
    }
}
