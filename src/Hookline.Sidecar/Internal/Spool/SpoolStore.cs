using System.Threading.Channels;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Core;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar.Internal.Spool;

/// <summary>
/// The on-disk copy of the spool: one SQLite file per session under the state directory, so a sidecar that is
/// restarted (or crashes) still sends what the server never confirmed. Writes go through one background writer in
/// batches, while the event is being sent: the hook never waits on the disk. No event stops the writer: one whose copy
/// cannot be made is written as its marked stand-in (<see cref="UnstorableEvent"/>); a failing disk is retried with
/// backoff while flushes fail at once; a writer that cannot go on says so (<see cref="Stopped"/>) for its process to exit.
/// </summary>
internal sealed class SpoolStore : IAsyncDisposable
{
    /// <summary>How long a failing spool file is retried before the writer gives up.</summary>
    public static readonly TimeSpan DefaultGiveUpAfter = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly SqliteConnection _db;
    // Synchronous continuations: the only one is the writer thread's blocked wait, which a queued op then wakes directly.
    // Without them, every op a hook queues (its event, its applied decision, its removal once stored) first woke a
    // thread-pool thread whose only work was to wake the writer.
    private readonly Channel<Op> _ops = Channel.CreateUnbounded<Op>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly Task _writer;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _giveUpAfter;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _retries;
    private long _marked;
    private volatile string? _retrying;
    private volatile string? _failed;

    private abstract record Op;
    // The event is the spool's own copy, never mutated: the writer redacts (capture) and serialises it off the hook's path.
    private sealed record Put(HookEvent Event, Func<EventCapture> Capture, byte[]? Applied, bool AppliedUnconfirmed, bool Stored) : Op;
    private sealed record Delete(string EventId) : Op;
    private sealed record Barrier(TaskCompletionSource Done) : Op;

    public SpoolStore(string path, ILogger? logger = null, TimeProvider? time = null, TimeSpan? giveUpAfter = null)
    {
        Core.PrivateFiles.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        // 0600 before SQLite opens it: its -wal and -shm copy the database's mode.
        Core.PrivateFiles.CreateFile(path);
        Path = path;
        _logger = logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _giveUpAfter = giveUpAfter ?? DefaultGiveUpAfter;
        _db = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        _db.Open();
        using var command = _db.CreateCommand();
        command.CommandText = """
            PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;
            CREATE TABLE IF NOT EXISTS spool (
                seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
                event_id            TEXT NOT NULL UNIQUE,
                event               BLOB NOT NULL,
                applied             BLOB,
                applied_unconfirmed INTEGER NOT NULL,
                stored              INTEGER NOT NULL
            );
            """;
        command.ExecuteNonQuery();
        // SQLite blocks: on a thread of its own the writer never holds a thread-pool thread that the hook's hand-offs
        // to and from the stream need (on a small machine that delayed every remote answer by a few hundred µs).
        _writer = StorageThread.Start("hookline-spool", WriteLoop);
    }

    public string Path { get; }

    /// <summary>Why writes to the file are being retried (a full disk, an I/O error); null while they succeed.</summary>
    public string? Retrying => _retrying;

    /// <summary>Why the writer stopped for good; null while it runs.</summary>
    public string? Failure => _failed;

    /// <summary>Failed writes that were retried.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Events written as marked stand-ins because their copy could not be made.</summary>
    public long Marked => Interlocked.Read(ref _marked);

    /// <summary>Completes when the writer cannot go on: what is spooled from then on is in memory only.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>What a previous run of this session left unconfirmed, oldest first.</summary>
    public List<SpoolRow> Load()
    {
        using var command = _db.CreateCommand();
        command.CommandText = "SELECT event, applied, applied_unconfirmed, stored FROM spool ORDER BY seq;";
        using var reader = command.ExecuteReader();
        var rows = new List<SpoolRow>();
        while (reader.Read())
        {
            var hookEvent = HookEvent.Parser.ParseFrom((byte[])reader[0]);
            var applied = reader.IsDBNull(1) ? null : AppliedDecision.Parser.ParseFrom((byte[])reader[1]);
            rows.Add(new SpoolRow(hookEvent, applied, reader.GetInt64(2) != 0, reader.GetInt64(3) != 0));
        }
        return rows;
    }

    /// <param name="capture">What of the event reaches the disk (secrets redacted); applied on the writer's thread.</param>
    public void Save(SpoolRow row, Func<EventCapture>? capture = null) => _ops.Writer.TryWrite(new Put(
        row.Event, capture ?? FullCopy, row.Applied?.ToByteArray(), row.AppliedUnconfirmed, row.Stored));

    private static readonly EventCapture Full = new(CaptureMode.Full, int.MaxValue);

    private static EventCapture FullCopy() => Full;

    public void Remove(string eventId) => _ops.Writer.TryWrite(new Delete(eventId));

    /// <summary>
    /// Completes once everything queued before it is on disk; fails (<see cref="IOException"/>) at once when that write
    /// failed or the writer has stopped, rather than leave the caller waiting for nothing.
    /// </summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _ops.Writer.TryWrite(new Barrier(done)) ? done.Task
            : _failed is { } failed ? Task.FromException(new IOException("the spool writer has stopped: " + failed))
            : Task.CompletedTask;
    }

    private void WriteLoop()
    {
        try
        {
            Run();
        }
        catch (Exception ex)
        {
            // Whatever one event can cause is handled per event; this is the file or the writer itself.
            _failed = $"{ex.GetType().Name}: {ex.Message}";
            Log.SpoolWriterStopped(_logger, ex, Path);
            _ops.Writer.TryComplete();
            while (_ops.Reader.TryRead(out var op))
            {
                (op as Barrier)?.Done.TrySetException(new IOException("the spool writer has stopped: " + _failed, ex));
            }
            _stopped.TrySetResult();
        }
    }

    private void Run()
    {
        var reader = _ops.Reader;
        var ops = new List<Op>(1024);
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            // One transaction for whatever is queued now, up to a bound.
            while (ops.Count < 1024 && reader.TryRead(out var op))
            {
                ops.Add(op);
            }
            DateTimeOffset? failingSince = null;
            for (var failures = 1; ; failures++)
            {
                try
                {
                    Write(ops);
                    _retrying = null;
                    break;
                }
                catch (Exception ex) when (ex is SqliteException or IOException or InvalidOperationException)
                {
                    Interlocked.Increment(ref _retries);
                    _retrying = $"{ex.GetType().Name}: {ex.Message}";
                    // What was queued meanwhile joins the batch being retried, so that a flush queued behind the failing
                    // write fails with it now, instead of waiting in the queue for the recovery.
                    while (reader.TryRead(out var queued))
                    {
                        ops.Add(queued);
                    }
                    // Who waits for these to be on disk learns now that they are not, instead of timing out.
                    ops.RemoveAll(op => op is Barrier b && b.Done.TrySetException(new IOException("the spool file could not be written: " + ex.Message, ex)));
                    failingSince ??= _time.GetUtcNow();
                    if (_time.GetUtcNow() - failingSince.Value >= _giveUpAfter)
                    {
                        throw new IOException($"writing the spool file has failed for {_giveUpAfter}: {ex.Message}", ex);
                    }
                    var delay = Backoff.Delay(failures, MinRetryDelay, MaxRetryDelay, Random.Shared.NextDouble());
                    Log.SpoolWriteRetrying(_logger, ex, Path, (long)delay.TotalMilliseconds);
                    Task.Delay(delay, _time).GetAwaiter().GetResult();
                }
            }
            ops.Clear();
        }
    }

    private void Write(List<Op> ops)
    {
        var barriers = new List<TaskCompletionSource>();
        using (var transaction = _db.BeginTransaction())
        {
            using var put = _db.CreateCommand();
            put.Transaction = transaction;
            put.CommandText = """
                INSERT INTO spool (event_id, event, applied, applied_unconfirmed, stored)
                VALUES ($id, $event, $applied, $unconfirmed, $stored)
                ON CONFLICT(event_id) DO UPDATE SET event = excluded.event, applied = excluded.applied,
                    applied_unconfirmed = excluded.applied_unconfirmed, stored = excluded.stored;
                """;
            var id = put.Parameters.Add("$id", SqliteType.Text);
            var eventBytes = put.Parameters.Add("$event", SqliteType.Blob);
            var applied = put.Parameters.Add("$applied", SqliteType.Blob);
            var unconfirmed = put.Parameters.Add("$unconfirmed", SqliteType.Integer);
            var stored = put.Parameters.Add("$stored", SqliteType.Integer);
            using var delete = _db.CreateCommand();
            delete.Transaction = transaction;
            delete.CommandText = "DELETE FROM spool WHERE event_id = $id;";
            var deleteId = delete.Parameters.Add("$id", SqliteType.Text);

            foreach (var op in ops)
            {
                switch (op)
                {
                    case Put p:
                        id.Value = p.Event.EventId;
                        eventBytes.Value = Copy(p);
                        applied.Value = (object?)p.Applied ?? DBNull.Value;
                        unconfirmed.Value = p.AppliedUnconfirmed ? 1 : 0;
                        stored.Value = p.Stored ? 1 : 0;
                        put.ExecuteNonQuery();
                        break;
                    case Delete d:
                        deleteId.Value = d.EventId;
                        delete.ExecuteNonQuery();
                        break;
                    case Barrier b:
                        barriers.Add(b.Done);
                        break;
                }
            }
            transaction.Commit();
        }
        foreach (var barrier in barriers)
        {
            barrier.TrySetResult();
        }
    }

    /// <summary>The bytes of what reaches the disk; an event the capture cannot read goes as its marked stand-in.</summary>
    private byte[] Copy(Put put)
    {
        var capture = put.Capture();
        try
        {
            return capture.Prepare(put.Event).ToByteArray();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.SpoolEventMarked(_logger, ex, put.Event.EventId);
            Interlocked.Increment(ref _marked);
            return UnstorableEvent.Mark(put.Event, ex, capture).ToByteArray();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _ops.Writer.TryComplete();
        await _writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _db.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>One spooled event and what is known of it.</summary>
internal sealed record SpoolRow(HookEvent Event, AppliedDecision? Applied, bool AppliedUnconfirmed, bool Stored);
