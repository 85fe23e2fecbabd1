using System.Globalization;
using System.Threading.Channels;
using Hookline.Server.Internal.ReadApi;
using Hookline.Server.Internal.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Storage.Postgres;

/// <summary>
/// With PostgreSQL, brings the events other replicas store into this replica's live feed. Each replica's batch
/// insert announces, with <c>pg_notify</c> in its own transaction, the range of storage order its rows took; the
/// notification arrives at commit, and this replica reads that range back and publishes it.
/// <para>
/// Why notifications rather than polling the table by id: a sequence value is handed out before its transaction
/// commits, so a poller walking "seq &gt; last seen" passes over rows that commit late and never sees them, and every
/// event would wait up to a poll interval. A notification comes once the rows are visible, and costs nothing while
/// no dashboard is open (the range is read only when someone subscribes). Like the feed itself it is best effort: a
/// notification lost while the LISTEN connection is down is not replayed (the pages read the table and miss
/// nothing). This replica's own events reach its feed in-process, without the database.
/// </para>
/// </summary>
internal sealed class ReplicaFeed : BackgroundService
{
    private readonly Channel<(long First, long Last)> _ranges = Channel.CreateBounded<(long, long)>(
        new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest });
    private readonly IAuditReader _reader;
    private readonly LiveFeed _feed;
    private readonly PostgresStore _store;
    private readonly ILogger _logger;

    public ReplicaFeed(IAuditReader reader, LiveFeed feed, IAuditStore store, ILogger<ReplicaFeed> logger)
    {
        _reader = reader;
        _feed = feed;
        _store = (PostgresStore)store;
        _logger = logger;
    }

    /// <summary>The LISTEN connection is up: from now on other replicas' batches are heard.</summary>
    public void Listening() => _feed.HearingReplicas();

    /// <summary>One notification on <see cref="PostgresStore.EventsChannel"/>: "replica first last".</summary>
    public void Notified(string payload)
    {
        var parts = payload.Split(' ');
        if (_feed.SubscriberCount > 0 && parts.Length == 3 && parts[0] != _store.ReplicaId
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var last))
        {
            _ranges.Writer.TryWrite((first, last));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (first, last) in _ranges.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    _feed.Publish(await _reader.StoredBetweenAsync(first, last, stoppingToken).ConfigureAwait(false));
                }
                catch (Exception ex) when (_store.IsTransient(ex))
                {
                    Log.ReplicaFeedFailed(_logger, ex, first, last);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
