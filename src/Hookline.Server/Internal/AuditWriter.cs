using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal;

/// <summary>
/// Stores events in batches, off the decision path, and acknowledges each batch to the streams it came from once
/// it is durable. The queue is bounded: when storage falls behind, streams wait here, after their decisions went out.
/// </summary>
internal sealed class AuditWriter : BackgroundService
{
    private const int MaxAttempts = 3;
    private readonly Channel<AuditRecord> _queue;
    private readonly IAuditStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxBatch;
    private readonly bool _behindDecisions;

    private readonly ServerMetrics _metrics;
    private readonly LiveFeed? _feed;
    private readonly SessionTracker? _sessions;

    public AuditWriter(IAuditStore store, TimeProvider time, ILogger<AuditWriter> logger, HooklineServerOptions options, ServerMetrics metrics,
        LiveFeed? feed = null, SessionTracker? sessions = null)
    {
        _feed = feed;
        _sessions = sessions;
        _metrics = metrics;
        _store = store;
        _time = time;
        _logger = logger;
        _maxBatch = options.MaxBatchSize;
        _behindDecisions = options.StorageBehindDecisions;
        Capture = options.Capture;
        _queue = Channel.CreateBounded<AuditRecord>(new BoundedChannelOptions(Math.Max(1024, options.MaxBatchSize * 16))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }


    /// <summary>Applied to every record before it is stored; also announced to sidecars with each snapshot.</summary>
    public Core.EventCapture Capture { get; }

    public ValueTask EnqueueAsync(AuditRecord record, CancellationToken cancellationToken)
        => _queue.Writer.TryWrite(record) ? ValueTask.CompletedTask : _queue.Writer.WriteAsync(record, cancellationToken);

    // Storage blocks (SQLite commits with fsync, PostgreSQL round trips): on a thread of its own it never holds a
    // thread-pool thread that the next decision's hand-offs need, which on a small machine delayed every answer.
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Core.StorageThread.Start("hookline-audit", () => WriteLoop(stoppingToken), lowerPriority: _behindDecisions);

    private void WriteLoop(CancellationToken stoppingToken)
    {
        var batch = new List<AuditRecord>(_maxBatch);
        var reader = _queue.Reader;
        try
        {
            while (reader.WaitToReadAsync(stoppingToken).AsTask().GetAwaiter().GetResult())
            {
                while (batch.Count < _maxBatch && reader.TryRead(out var record))
                {
                    batch.Add(record);
                }
                StoreAsync(batch, stoppingToken).GetAwaiter().GetResult();
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Shutting down: store what is queued so a clean stop acknowledges everything it answered.
        while (reader.TryRead(out var record))
        {
            batch.Add(record);
            if (batch.Count == _maxBatch)
            {
                StoreAsync(batch, CancellationToken.None).GetAwaiter().GetResult();
                batch.Clear();
            }
        }
        if (batch.Count > 0)
        {
            StoreAsync(batch, CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    private async Task StoreAsync(List<AuditRecord> batch, CancellationToken cancellationToken)
    {
        // Secrets never reach the database: records are replaced by their capture copies (the decisions went out already).
        for (var i = 0; i < batch.Count; i++)
        {
            var record = batch[i];
            batch[i] = record with { Event = Capture.Prepare(record.Event), Decision = Capture.Prepare(record.Decision) };
        }

        // The sessions' policy state goes in the same transaction: once an event is acknowledged, its effect on its
        // session (a taint, a rate hit, a denial) is stored too, and a replica continuing the session loads it.
        var states = _sessions?.Unsaved(batch);
        var writes = states?.ConvertAll(s => s.Write);
        BatchOutcome outcome;
        long storedAtMs;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                storedAtMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
                outcome = _store.WriteBatch(batch, storedAtMs, writes);
                break;
            }
            catch (Exception ex) when (attempt < MaxAttempts && _store.IsTransient(ex))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), _time, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (_store.IsTransient(ex))
            {
                // Not acknowledged, so the sidecars keep these events and resend them.
                Log.BatchFailed(_logger, ex, batch.Count);
                _metrics.StoreFailed(batch.Count);
                return;
            }
        }
        if (states is not null)
        {
            SessionTracker.MarkStored(states);
        }
        foreach (var (position, rejected) in outcome.Rejected)
        {
            Log.EventRefused(_logger, rejected.EventId, batch[position].Event.SessionId, rejected.ReasonCode, rejected.Reason);
        }
        var stored = outcome.Rejected.Count == 0 ? batch : batch.Where((_, i) => !outcome.Rejected.ContainsKey(i)).ToList();
        _metrics.Stored(stored.Count, outcome.Duplicates);
        foreach (var record in stored)
        {
            _metrics.Applied(record.Event.Applied?.Source
                ?? (record.Decision is null ? Contracts.V1.DecisionSource.NonBlocking : Contracts.V1.DecisionSource.Remote));
        }
        Acknowledge(batch, outcome.Rejected);
        _feed?.Publish(stored, storedAtMs);
    }

    private static void Acknowledge(List<AuditRecord> batch, IReadOnlyDictionary<int, Contracts.V1.RejectedEvent> rejected)
    {
        // Usually one stream per batch run; group without allocating a dictionary for that case.
        var start = 0;
        while (start < batch.Count)
        {
            var sink = batch[start].Ack;
            var end = start;
            while (end < batch.Count && ReferenceEquals(batch[end].Ack, sink))
            {
                end++;
            }
            if (sink is not null)
            {
                var stored = new List<AuditRecord>(end - start);
                var refused = new List<Contracts.V1.RejectedEvent>();
                for (var i = start; i < end; i++)
                {
                    if (rejected.TryGetValue(i, out var why))
                    {
                        refused.Add(why);
                    }
                    else
                    {
                        stored.Add(batch[i]);
                    }
                }
                sink.Acknowledge(stored, refused);
            }
            start = end;
        }
    }
}
