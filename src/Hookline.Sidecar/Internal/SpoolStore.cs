using System.Threading.Channels;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Microsoft.Data.Sqlite;

namespace Hookline.Sidecar.Internal;

/// <summary>
/// The on-disk copy of the spool: one SQLite file per session under the state directory, so a sidecar that is
/// restarted (or crashes) still sends what the server never confirmed. Writes go through one background writer in
/// batches, while the event is being sent: the hook never waits on the disk.
/// </summary>
internal sealed class SpoolStore : IAsyncDisposable
{
    private readonly SqliteConnection _db;
    private readonly Channel<Op> _ops = Channel.CreateUnbounded<Op>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    private abstract record Op;
    // The event is the spool's own copy, never mutated: the writer redacts (capture) and serialises it off the hook's path.
    private sealed record Put(HookEvent Event, Func<HookEvent, HookEvent> Capture, byte[]? Applied, bool AppliedUnconfirmed, bool Stored) : Op;
    private sealed record Delete(string EventId) : Op;
    private sealed record Barrier(TaskCompletionSource Done) : Op;

    public SpoolStore(string path)
    {
        Core.PrivateFiles.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        // 0600 before SQLite opens it: its -wal and -shm copy the database's mode.
        Core.PrivateFiles.CreateFile(path);
        Path = path;
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
        _writer = Core.StorageThread.Start("hookline-spool", WriteLoop);
    }

    public string Path { get; }

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

    /// <param name="capture">What of the event reaches the disk (secrets redacted); run on the writer's thread.</param>
    public void Save(SpoolRow row, Func<HookEvent, HookEvent>? capture = null) => _ops.Writer.TryWrite(new Put(
        row.Event, capture ?? (e => e), row.Applied?.ToByteArray(), row.AppliedUnconfirmed, row.Stored));

    public void Remove(string eventId) => _ops.Writer.TryWrite(new Delete(eventId));

    /// <summary>Completes once everything queued before it is on disk.</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _ops.Writer.TryWrite(new Barrier(done)) ? done.Task : Task.CompletedTask;
    }

    private void WriteLoop()
    {
        var reader = _ops.Reader;
        var barriers = new List<TaskCompletionSource>();
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
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

                // One transaction for whatever is queued now, up to a bound.
                for (var count = 0; count < 1024 && reader.TryRead(out var op); count++)
                {
                    switch (op)
                    {
                        case Put p:
                            id.Value = p.Event.EventId;
                            eventBytes.Value = p.Capture(p.Event).ToByteArray();
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
            barriers.Clear();
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
