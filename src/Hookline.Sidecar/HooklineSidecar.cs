using Hookline.Sidecar.Internal;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar;

/// <summary>
/// A running sidecar: one stream to the server, one Unix socket for hooks. Used by <c>hookline sidecar</c>,
/// in-process by <c>hookline start</c> and <c>hookline demo</c>, and by tests.
/// </summary>
public sealed class HooklineSidecar : IAsyncDisposable
{
    private readonly ServerConnection _connection;
    private readonly HookSocketListener _listener;
    private readonly SnapshotHolder _snapshots;
    private readonly PendingDecisions _pending;
    private readonly EventSpool _spool;
    private readonly SidecarStats _stats;
    private readonly HookProcessor _processor;
    private readonly SpoolStore _disk;
    private readonly SpoolDirectory _spoolDirectory;

    private HooklineSidecar(ServerConnection connection, HookSocketListener listener, SnapshotHolder snapshots,
        PendingDecisions pending, EventSpool spool, SidecarStats stats, HookProcessor processor, SpoolStore disk,
        SpoolDirectory spoolDirectory)
    {
        _disk = disk;
        _spoolDirectory = spoolDirectory;
        _processor = processor;
        _connection = connection;
        _listener = listener;
        _snapshots = snapshots;
        _pending = pending;
        _spool = spool;
        _stats = stats;
    }

    /// <summary>The Hookline session id (given, or made here).</summary>
    public string SessionId => _connection.SessionId;

    /// <summary>The Unix socket hooks connect to; export it as <c>HOOKLINE_SOCKET</c>.</summary>
    public string SocketPath => _listener.Path;

    /// <summary>Epoch of the snapshot held for local decisions; 0 before the first one.</summary>
    public ulong PolicyEpoch => _snapshots.Epoch;

    public bool IsConnected => _connection.IsConnected;

    /// <summary>The server replica the stream uses, or will try next.</summary>
    public string ServerUrl => _connection.ServerUrl;

    /// <summary>Events not yet confirmed as stored by the server.</summary>
    public int UnacknowledgedEvents => _spool.Count;

    /// <summary>How hooks were answered so far, and how the stream fared.</summary>
    public SidecarCounters Counters => new(
        _stats.Remote, _stats.Local, _stats.FailClosed, _stats.FailOpen, _stats.NonBlocking, _stats.Malformed,
        _stats.BudgetMisses, _pending.LateCount, _connection.Reconnects, _spool.Count, _connection.Replayed);

    /// <summary>Raised after each hook is answered, with its verdict, source and latency.</summary>
    public event Action<HookDecision>? Decided
    {
        add => _processor.Decided += value;
        remove => _processor.Decided -= value;
    }

    internal PendingDecisions Pending => _pending;

    /// <summary>
    /// Opens the stream and waits for the first policy snapshot (or the first failed attempt, or the warm-up
    /// timeout) before it accepts hooks, so the first tool call does not pay for the connection.
    /// </summary>
    public static async Task<HooklineSidecar> StartAsync(SidecarOptions options, CancellationToken cancellationToken = default)
    {
        var sessionId = options.SessionId ?? Guid.NewGuid().ToString();
        if (!Guid.TryParse(sessionId, out _))
        {
            throw new ArgumentException($"--session must be a UUID, got '{sessionId}'");
        }
        var logger = options.LoggerFactory.CreateLogger("Hookline.Sidecar");
        var snapshots = new SnapshotHolder(options);
        var pending = new PendingDecisions();
        var spoolDirectory = SpoolDirectory.Claim(options.StateDirectory, sessionId);
        var disk = new SpoolStore(spoolDirectory.DatabasePath);
        var spool = new EventSpool(disk, options.SpoolMaxBytes, e => snapshots.Capture.Prepare(e));
        var own = spool.Count;
        var adopted = await spoolDirectory.AdoptOrphanedAsync(spool).ConfigureAwait(false);
        var orphans = await OrphanRecords.IngestAsync(options.OrphanFile, sessionId, spool, line => Log.OrphanSkipped(logger, line))
            .ConfigureAwait(false);
        Log.SpoolLoaded(logger, own, adopted, orphans, options.OrphanFile);
        var stats = new SidecarStats();
        var connection = new ServerConnection(options, sessionId, snapshots, pending, spool, logger);
        var processor = new HookProcessor(connection, snapshots, pending, spool, stats, options.TimeProvider, logger);
        processor.Status = new StatusReport(sessionId, options.ServerUrl, connection, snapshots, pending, spool, stats).Render;
        var socketPath = options.SocketPath ?? DefaultSocketPath(options.StateDirectory, sessionId);
        HookSocketListener listener;
        try
        {
            listener = new HookSocketListener(socketPath, processor, options.TimeProvider, logger);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            await disk.DisposeAsync().ConfigureAwait(false);
            spoolDirectory.Dispose();
            throw;
        }
        var warm = connection.StartAsync();
        HookProcessor.Warm();
        await Task.WhenAny(warm, Task.Delay(options.WarmupTimeout, options.TimeProvider, cancellationToken)).ConfigureAwait(false);
        listener.Start();
        await listener.ProbeAsync(cancellationToken).ConfigureAwait(false);
        return new HooklineSidecar(connection, listener, snapshots, pending, spool, stats, processor, disk, spoolDirectory);
    }

    /// <summary>
    /// Waits until the server has confirmed every event as stored, or the timeout passes. Returns whether the spool
    /// is empty. Unconfirmed events stay spooled and are resent by the next sidecar of this session.
    /// </summary>
    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        try
        {
            await _spool.WaitEmptyAsync().WaitAsync(timeout).ConfigureAwait(false);
            await _spool.FlushToDiskAsync().ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// <c>$XDG_RUNTIME_DIR/hookline/</c>, else the state directory's <c>run/</c>; when that would pass the 104-byte
    /// limit of a socket path, <c>/tmp/hookline-UID/</c>. The file is the session id's first 8 characters.
    /// </summary>
    internal static string DefaultSocketPath(string stateDirectory, string sessionId)
    {
        var name = sessionId[..8] + ".sock";
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        var preferred = !string.IsNullOrEmpty(runtime) && Path.IsPathRooted(runtime)
            ? Path.Combine(runtime, "hookline", name)
            : Path.Combine(stateDirectory, "run", name);
        return System.Text.Encoding.UTF8.GetByteCount(preferred) <= HookSocketListener.MaxSocketPathBytes
            ? preferred
            : Path.Combine(Path.GetTempPath(), $"hookline-{PeerCredentials.EffectiveUid}", name);
    }

    /// <summary>
    /// Asks the sidecar listening on <paramref name="socketPath"/> for its session, stream state, policy epoch, snapshot
    /// age and counters: Prometheus text lines after a short header, or one JSON object.
    /// </summary>
    /// <exception cref="IOException">The sidecar gave no status.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">Nothing listens there.</exception>
    public static Task<string> QueryStatusAsync(string socketPath, bool json, CancellationToken cancellationToken = default)
        => StatusClient.QueryAsync(socketPath, json, TimeSpan.FromSeconds(5), cancellationToken);

    /// <summary>Ends the Hookline session on the server (the agent exited).</summary>
    public Task EndSessionAsync(string reason = "agent exited") => _connection.EndSessionAsync(reason);

    /// <summary>Stops accepting hooks and closes the stream. What the server has not confirmed stays in the on-disk spool.</summary>
    public async ValueTask DisposeAsync()
    {
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        var empty = _spool.Count == 0;
        await _disk.DisposeAsync().ConfigureAwait(false);
        if (empty)
        {
            foreach (var suffix in new[] { "", "-wal", "-shm" })
            {
                File.Delete(_disk.Path + suffix);
            }
        }
        _spoolDirectory.Dispose();
    }
}
