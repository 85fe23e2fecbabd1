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
    private readonly ConcurrentDictionary<string, PolicySessionState> _states = new();
    private readonly IAuditStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _idle;

    public SessionTracker(IAuditStore store, TimeProvider time, ILogger<SessionTracker> logger, HooklineServerOptions options)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _idle = options.SessionIdleTimeout;
    }

    public int OpenStreamCount => _openStreams.Values.Sum();

    public PolicySessionState StateOf(string sessionId)
        => _states.GetOrAdd(sessionId, static (_, time) => new PolicySessionState(time), _time);

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
