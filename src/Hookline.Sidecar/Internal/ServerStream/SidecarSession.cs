using Hookline.Sidecar.Internal.Decisions;
using Hookline.Sidecar.Internal.Spool;
using Hookline.Sidecar.Internal.Status;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar.Internal.ServerStream;

/// <summary>
/// One Hookline session: its stream to the server, its snapshot, its durable spool and the processor that decides its
/// hooks. A <see cref="HooklineSidecar"/> runs one; the per-user <see cref="HooklineDaemon"/> one per agent session.
/// </summary>
internal sealed class SidecarSession : IAsyncDisposable
{
    private SidecarSession(ServerConnection connection, SnapshotHolder snapshots, PendingDecisions pending, EventSpool spool,
        SidecarStats stats, HookProcessor processor, SpoolStore disk, SpoolDirectory spoolDirectory, Task warm)
    {
        Connection = connection;
        Snapshots = snapshots;
        Pending = pending;
        Spool = spool;
        Stats = stats;
        Processor = processor;
        Disk = disk;
        SpoolDirectory = spoolDirectory;
        Warm = warm;
    }

    public ServerConnection Connection { get; }
    public SnapshotHolder Snapshots { get; }
    public PendingDecisions Pending { get; }
    public EventSpool Spool { get; }
    public SidecarStats Stats { get; }
    public HookProcessor Processor { get; }
    private SpoolStore Disk { get; }
    private SpoolDirectory SpoolDirectory { get; }

    /// <summary>Completes when the spool writer cannot go on; the process running this session should then exit.</summary>
    public Task SpoolStopped => Disk.Stopped;

    /// <summary>Why the spool writer stopped, or null.</summary>
    public string? SpoolFailure => Disk.Failure;

    /// <summary>Completes once the first snapshot arrived or the first connection attempt failed.</summary>
    public Task Warm { get; }

    /// <summary>Claims the spool, takes over leftover and orphaned events, and starts the connection loop.</summary>
    public static async Task<SidecarSession> OpenAsync(SidecarOptions options, string sessionId, ILogger logger)
    {
        var snapshots = new SnapshotHolder(options);
        var pending = new PendingDecisions();
        var spoolDirectory = SpoolDirectory.Claim(options.StateDirectory, sessionId);
        if (spoolDirectory.ModeWarning is { } warning)
        {
            Log.StateNotPrivate(logger, warning);
        }
        var disk = new SpoolStore(spoolDirectory.DatabasePath, logger, options.TimeProvider, options.SpoolGiveUpAfter);
        var spool = new EventSpool(disk, options.SpoolMaxBytes, () => snapshots.Capture);
        var own = spool.Count;
        var adopted = await spoolDirectory.AdoptOrphanedAsync(spool).ConfigureAwait(false);
        var orphans = await OrphanRecords.IngestAsync(options.OrphanFile, sessionId, spool, options.TimeProvider, line => Log.OrphanSkipped(logger, line))
            .ConfigureAwait(false);
        Log.SpoolLoaded(logger, own, adopted, orphans, options.OrphanFile);
        var stats = new SidecarStats();
        var approvals = new AwaitedApprovals();
        var connection = new ServerConnection(options, sessionId, snapshots, pending, spool, logger, approvals);
        var processor = new HookProcessor(connection, snapshots, pending, spool, stats, options.TimeProvider, logger,
            new Paths.PathFacts(options.PathLookupBudget, options.Cwd, options.TimeProvider),
            new Transcripts.ExecutedCalls(new Transcripts.TranscriptReader(options.Transcripts, options.TimeProvider, logger), options.TimeProvider, logger),
            approvals);
        processor.Status = new StatusReport(sessionId, connection, snapshots, pending, spool, stats).Render;
        var warm = connection.StartAsync();
        return new SidecarSession(connection, snapshots, pending, spool, stats, processor, disk, spoolDirectory, warm);
    }

    public SidecarCounters Counters() => new(Stats.Remote, Stats.Local, Stats.FailClosed, Stats.FailOpen, Stats.NonBlocking,
        Stats.Malformed, Stats.BudgetMisses, Pending.LateCount, Connection.Reconnects, Spool.Count, Connection.Replayed);

    /// <summary>Waits until the server has confirmed every event as stored, or the timeout passes.</summary>
    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        try
        {
            await Spool.WaitEmptyAsync().WaitAsync(timeout).ConfigureAwait(false);
            await Spool.FlushToDiskAsync().ConfigureAwait(false);
            // Every event is stored: the remote decisions' latencies go now rather than with a tick that may not come.
            Connection.Latencies.AllStored();
            await Connection.ReportLatenciesAsync(timeout).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or IOException)
        {
            return false;
        }
    }

    /// <summary>Closes the stream. What the server has not confirmed stays in the on-disk spool.</summary>
    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync().ConfigureAwait(false);
        var empty = Spool.Count == 0;
        await Disk.DisposeAsync().ConfigureAwait(false);
        if (empty)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(Disk.Path + suffix);
            }
        }
        SpoolDirectory.Dispose();
    }
}
