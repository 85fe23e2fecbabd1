using Hookline.Core;
using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal.Storage.Sqlite;

/// <summary>
/// Copies committed WAL pages into the database file on a thread of its own. SQLite's automatic checkpoint runs inside
/// the commit that crosses its threshold (1,000 pages), and a batch of a busy fleet dirties thousands of index pages,
/// so nearly every commit of the one writer also wrote and synced the database file. Now the writer's commit writes and
/// syncs the WAL only (still synchronous=FULL: an acknowledged event is on disk either way), and a passive checkpoint
/// here, which never makes the writer wait, copies the pages meanwhile on the other core.
/// Under steady load a passive checkpoint seldom catches up before the writer's next commit, and only a caught-up WAL
/// starts over; past <see cref="RestartPages"/> one restarting checkpoint (the writer waits for what is not yet copied)
/// brings it back to the start. Should this thread fall behind or fail, the writer's own automatic checkpoint at
/// <see cref="WriterBackstopPages"/> keeps the WAL bounded.
/// A checkpoint syncs the database file, so a trickle of small commits (one hook at a time) does not start one each:
/// the writer nudges this thread once its commits since the last nudge have written <see cref="NudgePages"/> pages.
/// </summary>
internal sealed class WalCheckpointer : IDisposable
{
    /// <summary>The writer's own automatic checkpoint (pages of 4 KiB), a backstop only.</summary>
    public const int WriterBackstopPages = 16_384;

    /// <summary>A WAL this long (pages) is brought back to its start by a restarting checkpoint.</summary>
    public const int RestartPages = 8_192;

    /// <summary>Pages committed to the WAL (4 KiB each) that make the writer nudge this thread: a busy batch alone.</summary>
    public const int NudgePages = 128;

    private readonly SemaphoreSlim _nudge = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<SqliteConnection> _open;
    private readonly Task _loop;
    // Pages committed since the last nudge: only the writer (under its lock) counts them.
    private long _uncopiedPages;
    private long _nudges;
    private long _checkpoints;
    private long _restarts;
    private int _disposed;

    public WalCheckpointer(Func<SqliteConnection> open)
    {
        _open = open;
        _loop = StorageThread.Start("hookline-checkpoint", Run, lowerPriority: false);
    }

    /// <summary>Nudges and checkpoints so far, and how many checkpoints restarted the WAL (for tests and diagnostics).</summary>
    public (long Nudges, long Checkpoints, long Restarts) Counts
        => (Interlocked.Read(ref _nudges), Interlocked.Read(ref _checkpoints), Interlocked.Read(ref _restarts));

    /// <summary>
    /// After a write, by the writer under its lock, with the pages it wrote: the thread checkpoints once more when the
    /// writes since the last nudge reach <see cref="NudgePages"/>. Never waits.
    /// </summary>
    public void Committed(long pages)
    {
        _uncopiedPages += pages;
        if (_uncopiedPages >= NudgePages)
        {
            _uncopiedPages = 0;
            Interlocked.Increment(ref _nudges);
            Nudge();
        }
    }

    // The thread checkpoints once more; nudges while it works fold into one.
    private void Nudge()
    {
        if (Volatile.Read(ref _disposed) == 0 && _nudge.CurrentCount == 0)
        {
            try
            {
                _nudge.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another commit nudged it in between: one checkpoint serves both.
            }
        }
    }

    private void Run()
    {
        using var connection = _open();
        using var command = connection.CreateCommand();
        while (true)
        {
            try
            {
                _nudge.Wait(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                if (Checkpoint(command, "PASSIVE") > RestartPages)
                {
                    Checkpoint(command, "RESTART");
                    Interlocked.Increment(ref _restarts);
                }
            }
            catch (SqliteException) when (!_stop.IsCancellationRequested)
            {
                // Busy or failing: the next commit's nudge tries again, and the writer's backstop bounds the WAL meanwhile.
            }
        }
    }

    /// <summary>Runs one checkpoint; returns the WAL's length in pages as it found it.</summary>
    private long Checkpoint(SqliteCommand command, string mode)
    {
        command.CommandText = $"PRAGMA wal_checkpoint({mode});";
        using var reader = command.ExecuteReader();
        Interlocked.Increment(ref _checkpoints);
        return reader.Read() ? reader.GetInt64(1) : 0;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _stop.Cancel();
        try
        {
            // A checkpoint under way finishes first (bounded by the connection's busy timeout).
            _loop.Wait(TimeSpan.FromSeconds(35));
        }
        catch (AggregateException)
        {
            // It could not open its connection: the writer's backstop checkpointed instead.
        }
        if (_loop.IsCompleted)
        {
            _stop.Dispose();
            _nudge.Dispose();
        }
    }
}
