using System.Collections.Concurrent;
using Hookline.Sidecar.Internal.Agents;
using Hookline.Sidecar.Internal.Decisions;
using Hookline.Sidecar.Internal.ServerStream;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar.Internal.Listening;

/// <summary>
/// The per-user daemon's hook handler: one Hookline session (one stream) per agent session, keyed by agent and the
/// agent's own session id. A session ends on the agent's SessionEnd, or after it was idle for the idle timeout.
/// </summary>
internal sealed class DaemonRouter : IHookHandler, IAsyncDisposable
{
    private readonly SidecarOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Agent, string AgentSession), Lazy<Task<Entry>>> _sessions = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sweeper;
    private long _lastActivity;

    public DaemonRouter(SidecarOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _time = options.TimeProvider;
        _lastActivity = _time.GetTimestamp();
        _sweeper = Task.Run(SweepAsync);
    }

    /// <summary>Raised when a Hookline session opens for an agent session: (agent, agent session id, Hookline session id).</summary>
    public event Action<string, string, string>? SessionOpened;

    /// <summary>Raised when one ends, with the reason.</summary>
    public event Action<string, string, string, string>? SessionEnded;

    /// <summary>Raised when no session has been open for the idle timeout (the daemon may exit).</summary>
    public event Action? Idle;

    public int OpenSessions => _sessions.Count;

    public SidecarFailMode FailMode => _options.FailMode;

    public async ValueTask<HookReply> HandleAsync(HookRequest request, long readAt)
    {
        if (request.Agent.Length == 0 && request.Event == HookProcessor.ProbeEvent)
        {
            return HookReply.Empty;
        }
        var adapter = AgentAdapters.Find(request.Agent);
        if (adapter is null)
        {
            return HookJson.Block($"unknown agent '{request.Agent}' (known: {string.Join(", ", AgentAdapters.Names)})");
        }
        Interlocked.Exchange(ref _lastActivity, _time.GetTimestamp());
        var key = (adapter.Name, AgentSessionKey.Read(request.Stdin));
        var lazy = _sessions.GetOrAdd(key, k => new Lazy<Task<Entry>>(() => OpenAsync(k)));
        Entry entry;
        try
        {
            entry = await lazy.Value.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // Not cached: the next hook of this agent session tries again. This one gets a refusal it can show.
            _sessions.TryRemove(new KeyValuePair<(string, string), Lazy<Task<Entry>>>(key, lazy));
            Log.BadHookInput(_logger, request.Agent, request.Event, "cannot open a session: " + ex.Message);
            return adapter.IsBlocking(request.Event) ? HookJson.Block("cannot open a Hookline session: " + ex.Message) : HookReply.Empty;
        }
        entry.Touch(_time.GetTimestamp());
        var reply = await entry.Session.Processor.HandleAsync(request, readAt).ConfigureAwait(false);
        if (adapter.CanonicalEvent(request.Event) == "SessionEnd")
        {
            _ = EndAsync(key, "agent session ended");
        }
        return reply;
    }

    private async Task<Entry> OpenAsync((string Agent, string AgentSession) key)
    {
        var options = _options.ForAgentSession(key.Agent, key.AgentSession);
        var sessionId = Guid.NewGuid().ToString();
        var session = await SidecarSession.OpenAsync(options, sessionId, _logger).ConfigureAwait(false);
        // The first hook of a session waits for the stream, so it is decided by the policy, not by the fail mode.
        await Task.WhenAny(session.Warm, Task.Delay(options.WarmupTimeout, _time, _stopping.Token)).ConfigureAwait(false);
        Log.DaemonSessionOpened(_logger, key.Agent, key.AgentSession, sessionId);
        SessionOpened?.Invoke(key.Agent, key.AgentSession, sessionId);
        return new Entry(session, _time.GetTimestamp());
    }

    private async Task EndAsync((string Agent, string AgentSession) key, string reason)
    {
        if (!_sessions.TryRemove(key, out var lazy))
        {
            return;
        }
        Entry entry;
        try
        {
            entry = await lazy.Value.ConfigureAwait(false);
        }
        catch (Exception)
        {
            return;
        }
        var session = entry.Session;
        try
        {
            await session.FlushAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            await session.Connection.EndSessionAsync(reason).ConfigureAwait(false);
        }
        finally
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        Log.DaemonSessionEnded(_logger, key.Agent, key.AgentSession, session.Connection.SessionId, reason);
        SessionEnded?.Invoke(key.Agent, key.AgentSession, session.Connection.SessionId, reason);
    }

    /// <summary>Ends sessions idle for the idle timeout; checks four times per timeout.</summary>
    private async Task SweepAsync()
    {
        var idle = _options.IdleTimeout;
        var period = idle / 4 > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : idle / 4;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, _time, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var now = _time.GetTimestamp();
            foreach (var (key, lazy) in _sessions)
            {
                if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && _time.GetElapsedTime(lazy.Value.Result.LastSeen, now) >= idle)
                {
                    await EndAsync(key, "idle").ConfigureAwait(false);
                }
            }
            if (_sessions.IsEmpty && _time.GetElapsedTime(Interlocked.Read(ref _lastActivity), now) >= idle)
            {
                Idle?.Invoke();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _sweeper.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        foreach (var key in _sessions.Keys.ToArray())
        {
            await EndAsync(key, "daemon stopped").ConfigureAwait(false);
        }
        _stopping.Dispose();
    }

    private sealed class Entry(SidecarSession session, long lastSeen)
    {
        private long _lastSeen = lastSeen;

        public SidecarSession Session { get; } = session;

        public long LastSeen => Interlocked.Read(ref _lastSeen);

        public void Touch(long now) => Interlocked.Exchange(ref _lastSeen, now);
    }
}
