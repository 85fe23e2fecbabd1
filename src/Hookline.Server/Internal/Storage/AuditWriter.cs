using System.Threading.Channels;
using Hookline.Core;
using Hookline.Server.Internal.Decisions;
using Hookline.Server.Internal.Metrics;
using Hookline.Server.Internal.ReadApi;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Storage;

/// <summary>
/// Stores events in batches, off the decision path, and acknowledges each batch to the streams it came from once
/// it is durable. The queue is bounded in records and in bytes: when storage falls behind, streams wait here, after
/// their decisions went out. One bad event never stops it: what cannot be stored as it came is stored as a marked
/// stand-in (<see cref="UnstorableEvent"/>); a failing store is retried with backoff; a writer that cannot go on stops
/// the server, for a supervisor to restart it, rather than leave it answering without storing.
/// </summary>
internal sealed class AuditWriter : BackgroundService
{
    // While stopping, a failing store gets a few attempts; what is left stays unacknowledged, and sidecars resend it.
    private const int DrainAttempts = 3;
    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);
    // What a queued record costs beyond its wire size (its objects).
    private const int RecordOverheadBytes = 512;

    private readonly Channel<Queued> _queue;
    private readonly IAuditStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxBatch;
    private readonly bool _behindDecisions;
    private readonly TimeSpan _giveUpAfter;
    private readonly AuditWriterStatus _status;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ServerMetrics _metrics;
    private readonly LiveFeed? _feed;
    private readonly SessionTracker? _sessions;

    // A null record only wakes the writer for reported latencies.
    private readonly record struct Queued(AuditRecord? Record, long Bytes);

    /// <summary>The most reported latencies held for the next batch; beyond it they are dropped and counted.</summary>
    public const int MaxHeldLatencies = 65_536;
    private readonly Lock _latencyLock = new();
    private List<ReportedLatency> _latencies = [];

    public AuditWriter(IAuditStore store, TimeProvider time, ILogger<AuditWriter> logger, HooklineServerOptions options, ServerMetrics metrics,
        AuditWriterStatus status, IHostApplicationLifetime lifetime, LiveFeed? feed = null, SessionTracker? sessions = null)
    {
        _feed = feed;
        _sessions = sessions;
        _metrics = metrics;
        _store = store;
        _time = time;
        _logger = logger;
        _status = status;
        _lifetime = lifetime;
        _maxBatch = options.MaxBatchSize;
        _behindDecisions = options.StorageBehindDecisions;
        _giveUpAfter = options.AuditWriterGiveUpAfter;
        Capture = options.Capture;
        _queue = Channel.CreateBounded<Queued>(new BoundedChannelOptions(Math.Max(1024, options.MaxBatchSize * 16))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Applied to every record before it is queued; also announced to sidecars with each snapshot.</summary>
    public EventCapture Capture { get; }

    /// <summary>
    /// Queues the record's capture copy; waits while the queue is full (in records or bytes), so the caller's stream waits too.
    /// </summary>
    public ValueTask EnqueueAsync(AuditRecord record, CancellationToken cancellationToken)
    {
        // The capture runs here, on the caller's thread after its decision went out, so that it spreads over the cores
        // instead of queueing on the one storage thread; the queue holds (and charges) the copy only, in the caller's order.
        var prepared = Prepare(record);
        var queued = new Queued(prepared, prepared.Event.CalculateSize() + (prepared.Decision?.CalculateSize() ?? 0) + RecordOverheadBytes);
        var room = _status.Queue.TakeAsync(queued.Bytes, cancellationToken);
        return room.IsCompletedSuccessfully && _queue.Writer.TryWrite(queued) ? ValueTask.CompletedTask : EnqueueSlowAsync(room, queued, cancellationToken);
    }

    /// <summary>
    /// Holds reported latencies for the next batch's transaction (never one of their own per message), and wakes the
    /// writer if it is idle. Never waits: over <see cref="MaxHeldLatencies"/> they are dropped, counted.
    /// </summary>
    public void Report(IReadOnlyList<ReportedLatency> latencies)
    {
        bool wake;
        int dropped;
        lock (_latencyLock)
        {
            wake = _latencies.Count == 0;
            var room = Math.Max(0, MaxHeldLatencies - _latencies.Count);
            dropped = Math.Max(0, latencies.Count - room);
            _latencies.AddRange(dropped == 0 ? latencies : latencies.Take(room));
        }
        if (dropped > 0)
        {
            _metrics.LatenciesDropped(dropped);
        }
        if (wake)
        {
            // A full queue needs no wake: the writer is busy and takes them with its next batch.
            _queue.Writer.TryWrite(default);
        }
    }

    private List<ReportedLatency> TakeLatencies()
    {
        lock (_latencyLock)
        {
            if (_latencies.Count == 0)
            {
                return _latencies;
            }
            var taken = _latencies;
            _latencies = [];
            return taken;
        }
    }

    private async ValueTask EnqueueSlowAsync(ValueTask room, Queued queued, CancellationToken cancellationToken)
    {
        await room.ConfigureAwait(false);
        try
        {
            await _queue.Writer.WriteAsync(queued, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _status.Queue.Return(queued.Bytes);
            throw;
        }
    }

    // Storage blocks (SQLite commits with fsync, PostgreSQL round trips): on a thread of its own it never holds a
    // thread-pool thread that the next decision's hand-offs need, which on a small machine delayed every answer.
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => StorageThread.Start("hookline-audit", () => WriteLoop(stoppingToken), lowerPriority: _behindDecisions);

    private void WriteLoop(CancellationToken stoppingToken)
    {
        try
        {
            Run(stoppingToken);
        }
        catch (Exception ex)
        {
            // Whatever a record can cause is handled per record; this is the writer itself: it cannot go on.
            CannotGoOn(ex);
        }
    }

    private void Run(CancellationToken stoppingToken)
    {
        var batch = new List<Queued>(_maxBatch);
        var reader = _queue.Reader;
        try
        {
            while (reader.WaitToReadAsync(stoppingToken).AsTask().GetAwaiter().GetResult())
            {
                while (batch.Count < _maxBatch && reader.TryRead(out var queued))
                {
                    batch.Add(queued);
                }
                Store(batch, draining: false, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Shutting down: store what is queued (and a batch a retry was waiting on) so a clean stop acknowledges everything it answered.
        while (reader.TryRead(out var queued))
        {
            batch.Add(queued);
            if (batch.Count >= _maxBatch)
            {
                Store(batch, draining: true, CancellationToken.None);
            }
        }
        if (batch.Count > 0)
        {
            Store(batch, draining: true, CancellationToken.None);
        }
    }

    /// <summary>Stores the batch, retrying a failing store with backoff; then gives its bytes back to the queue and clears it.</summary>
    private void Store(List<Queued> batch, bool draining, CancellationToken cancellationToken)
    {
        var records = new List<AuditRecord>(batch.Count);
        foreach (var queued in batch)
        {
            if (queued.Record is { } record)
            {
                records.Add(record);
            }
        }
        // Telemetry, not audit: they ride the batch's first attempt only, and are dropped (counted) if it fails.
        var latencies = TakeLatencies();
        DateTimeOffset? failingSince = null;
        for (var failures = 1; records.Count > 0 || latencies.Count > 0; failures++)
        {
            var error = StoreIsolating(records, latencies, out var left);
            latencies = [];
            if (error is null)
            {
                _status.BatchStored();
                break;
            }
            _status.BatchFailed(error);
            failingSince ??= _time.GetUtcNow();
            if (draining && failures >= DrainAttempts)
            {
                // Not acknowledged, so the sidecars keep these events and resend them.
                Log.BatchFailed(_logger, error, left.Count);
                _metrics.StoreFailed(left.Count);
                break;
            }
            if (_time.GetUtcNow() - failingSince.Value >= _giveUpAfter)
            {
                throw new InvalidOperationException(
                    $"storage has failed for {_giveUpAfter} ({left.Count} events waiting): {error.Message}", error);
            }
            var delay = Backoff.Delay(failures, MinRetryDelay, MaxRetryDelay, Random.Shared.NextDouble());
            Log.BatchRetrying(_logger, error, left.Count, (long)delay.TotalMilliseconds);
            // A stop while waiting leaves the batch in hand for the drain.
            Task.Delay(delay, _time, cancellationToken).GetAwaiter().GetResult();
            records = left;
        }
        long bytes = 0;
        foreach (var queued in batch)
        {
            bytes += queued.Bytes;
        }
        _status.Queue.Return(bytes);
        batch.Clear();
    }

    /// <summary>
    /// Secrets never reach the queue nor the database: records are replaced by their capture copies (the decisions went
    /// out already). A record the capture cannot read is replaced by its marked stand-in.
    /// </summary>
    private AuditRecord Prepare(AuditRecord record)
    {
        try
        {
            return record with { Event = Capture.Prepare(record.Event), Decision = Coverage.ToolCallFact.WithCapturedRewrite(Capture.Prepare(record.Decision), Capture) };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var marked = Marked(record, ex);
            Log.RecordMarked(_logger, ex, marked.Event.EventId, marked.Event.SessionId);
            _status.RecordMarked();
            return marked;
        }
    }

    private AuditRecord Marked(AuditRecord record, Exception error)
        => record with { Event = UnstorableEvent.Mark(record.Event, error, Capture), Decision = UnstorableEvent.Mark(record.Decision), Marked = true };

    /// <summary>
    /// Writes the records in one transaction; when that fails, one by one, so that a record the store refuses is
    /// stored as its marked stand-in and the others as they are. Returns null once all are stored; otherwise the error
    /// of a store that refuses even a stand-in (it is the store that fails, not the record), with what is left.
    /// </summary>
    private Exception? StoreIsolating(List<AuditRecord> records, List<ReportedLatency> latencies, out List<AuditRecord> left)
    {
        left = [];
        if (TryWrite(records, latencies) is not { } batchError)
        {
            return null;
        }
        _metrics.LatenciesDropped(latencies.Count);
        if (records.Count == 0)
        {
            return null;
        }
        // The error may be the latencies' (other sessions' rows and their rollups): the records go again without them
        // before any record is blamed for it.
        if (latencies.Count > 0)
        {
            if (TryWrite(records) is not { } recordsError)
            {
                return null;
            }
            batchError = recordsError;
        }
        if (records.Count == 1 && records[0].Marked)
        {
            left = records;
            return batchError;
        }
        for (var i = 0; i < records.Count; i++)
        {
            var record = records[i];
            var error = records.Count == 1 ? batchError : TryWrite([record]);
            if (error is null)
            {
                continue;
            }
            if (!record.Marked)
            {
                var marked = Marked(record, error);
                var markedError = TryWrite([marked]);
                if (markedError is null)
                {
                    Log.RecordMarked(_logger, error, marked.Event.EventId, marked.Event.SessionId);
                    _status.RecordMarked();
                    continue;
                }
                error = markedError;
            }
            left = records.GetRange(i, records.Count - i);
            return error;
        }
        return null;
    }

    /// <summary>One transaction; on success the records are acknowledged and published. Returns what it failed with.</summary>
    private Exception? TryWrite(List<AuditRecord> records, List<ReportedLatency>? latencies = null)
    {
        // The sessions' policy state goes in the same transaction: once an event is acknowledged, its effect on its
        // session (a taint, a rate hit, a denial) is stored too, and a replica continuing the session loads it.
        var states = _sessions?.Unsaved(records);
        BatchOutcome outcome;
        long storedAtMs;
        try
        {
            storedAtMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            outcome = _store.WriteBatch(records, storedAtMs, states?.ConvertAll(s => s.Write), latencies);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return ex;
        }
        if (states is not null)
        {
            SessionTracker.MarkStored(states);
        }
        foreach (var (position, rejected) in outcome.Rejected)
        {
            Log.EventRefused(_logger, rejected.EventId, records[position].Event.SessionId, rejected.ReasonCode, rejected.Reason);
        }
        _metrics.Rejected(outcome.Rejected.Count);
        var stored = outcome.Rejected.Count == 0 ? records : records.Where((_, i) => !outcome.Rejected.ContainsKey(i)).ToList();
        _metrics.Stored(stored.Count, outcome.Duplicates);
        _metrics.Ungoverned(outcome.Ungoverned);
        foreach (var record in stored)
        {
            _metrics.Applied(record.Event.Applied?.Source
                ?? (record.Decision is null ? Contracts.V1.DecisionSource.NonBlocking : Contracts.V1.DecisionSource.Remote));
        }
        Acknowledge(records, outcome.Rejected);
        try
        {
            _feed?.Publish(stored, storedAtMs);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Stored and acknowledged already: the live feed misses them, the audit trail does not.
            Log.LiveFeedFailed(_logger, ex, stored.Count);
        }
        return null;
    }

    private void CannotGoOn(Exception error)
    {
        _status.Fail($"{error.GetType().Name}: {error.Message}");
        Log.WriterStopped(_logger, error);
        _queue.Writer.TryComplete();
        _lifetime.StopApplication();
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
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
