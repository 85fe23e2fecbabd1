using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Storage;

/// <summary>
/// With <see cref="HooklineServerOptions.Retention"/>: every <see cref="HooklineServerOptions.RetentionInterval"/>,
/// deletes events stored longer ago than the retention, a small batch per transaction, so writers wait at most one
/// short batch. Several replicas may sweep at once: their cuts serialize on the same session locks.
/// </summary>
internal sealed class RetentionSweeper : BackgroundService
{
    private const int BatchSize = 500;
    private readonly IAuditStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HooklineServerOptions _options;

    public RetentionSweeper(IAuditStore store, TimeProvider time, ILogger<RetentionSweeper> logger, HooklineServerOptions options)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _options = options;
    }

    /// <summary>One sweep to the end; public for tests that drive time by hand. Returns how many events were deleted.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        if (_options.Retention is not { } retention)
        {
            return 0;
        }
        var now = _time.GetUtcNow();
        var cutoff = (now - retention).ToUnixTimeMilliseconds();
        var total = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var deleted = _store.Prune(cutoff, now.ToUnixTimeMilliseconds(), BatchSize);
            total += deleted;
            if (deleted == 0)
            {
                break;
            }
            // Let the writer in between batches.
            await Task.Yield();
        }
        if (total > 0)
        {
            Log.RetentionCut(_logger, total, retention.ToString());
        }
        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.Retention is null)
        {
            return;
        }
        using var timer = new PeriodicTimer(_options.RetentionInterval, _time);
        try
        {
            do
            {
                try
                {
                    await SweepAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (_store.IsTransient(ex))
                {
                    Log.RetentionFailed(_logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
