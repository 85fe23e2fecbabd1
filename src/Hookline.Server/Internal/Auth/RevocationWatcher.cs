using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Auth;

/// <summary>
/// Closes the streams, and drops the cached checks (<see cref="TokenCache"/>), of tokens revoked by another process
/// (<c>hookline token revoke --data|--postgres</c>, or another replica) by polling the store every
/// <see cref="Interval"/>; revocation through this server's admin endpoint acts at once. Polling rather than
/// LISTEN/NOTIFY: one indexed query a second on a small table, the same code for SQLite and PostgreSQL, no dedicated
/// connection, and no revocation lost while a connection was down. The interval is the "about a second" that
/// docs/security.md promises.
/// </summary>
internal sealed class RevocationWatcher : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ITokenStore _tokens;
    private readonly OpenStreams _streams;
    private readonly TokenCache _cache;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public RevocationWatcher(ITokenStore tokens, OpenStreams streams, TokenCache cache, TimeProvider time, ILogger<RevocationWatcher> logger)
    {
        _tokens = tokens;
        _streams = streams;
        _cache = cache;
        _time = time;
        _logger = logger;
    }

    /// <summary>One poll; returns how many streams it closed.</summary>
    public int Poll()
    {
        var closed = 0;
        // Tokens with a stream, and tokens whose unary calls are answered from the cache.
        var watched = new HashSet<string>(_streams.TokenIds, StringComparer.Ordinal);
        watched.UnionWith(_cache.TokenIds);
        foreach (var tokenId in _tokens.Revoked(watched))
        {
            _cache.Forget(tokenId);
            var count = _streams.Revoke(tokenId);
            Log.TokenStreamsClosed(_logger, tokenId, count);
            closed += count;
        }
        return closed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    Poll();
                }
                catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or TimeoutException)
                {
                    // A busy or briefly unreadable database: the next tick tries again.
                    Log.RevocationPollFailed(_logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
