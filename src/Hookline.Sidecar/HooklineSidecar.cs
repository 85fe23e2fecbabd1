using Hookline.Sidecar.Internal.Decisions;
using Hookline.Sidecar.Internal.Listening;
using Hookline.Sidecar.Internal.ServerStream;
using Hookline.Sidecar.Internal.Status;
using Hookline.Sidecar.Internal;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar;

/// <summary>
/// A running sidecar: one stream to the server, one Unix socket for hooks. Used by <c>hookline sidecar</c>,
/// in-process by <c>hookline start</c> and <c>hookline demo</c>, and by tests.
/// </summary>
public sealed class HooklineSidecar : IAsyncDisposable
{
    private readonly SidecarSession _session;
    private readonly HookSocketListener _listener;
    private HookHttpListener? _http;

    private HooklineSidecar(SidecarSession session, HookSocketListener listener)
    {
        _session = session;
        _listener = listener;
    }

    /// <summary>The Hookline session id (given, or made here).</summary>
    public string SessionId => _session.Connection.SessionId;

    /// <summary>The Unix socket hooks connect to; export it as <c>HOOKLINE_SOCKET</c>.</summary>
    public string SocketPath => _listener.Path;

    /// <summary>Epoch of the snapshot held for local decisions; 0 before the first one.</summary>
    public ulong PolicyEpoch => _session.Snapshots.Epoch;

    /// <summary>
    /// With <see cref="SidecarOptions.HttpHooks"/>: the URL Claude's HTTP hooks post to, followed by the event in kebab
    /// case (<c>http://127.0.0.1:PORT/hooks/claude/pre-tool-use</c>); null otherwise.
    /// </summary>
    public string? HttpHookUrl => _http?.BaseUrl;

    /// <summary>The per-session secret HTTP hooks must send in <see cref="HttpSecretHeader"/>; null without HTTP hooks.</summary>
    public string? HttpHookSecret => _http?.Secret;

    /// <summary>The header that carries <see cref="HttpHookSecret"/>.</summary>
    public const string HttpSecretHeader = HookHttpListener.SecretHeader;

    public bool IsConnected => _session.Connection.IsConnected;

    /// <summary>The server replica the stream uses, or will try next.</summary>
    public string ServerUrl => _session.Connection.ServerUrl;

    /// <summary>
    /// Completes when the sidecar cannot go on (its spool writer stopped for good): a process running it exits then,
    /// non-zero, so that it is restarted; <see cref="Failure"/> says why.
    /// </summary>
    public Task Stopped => _session.SpoolStopped;

    /// <summary>Why the sidecar cannot go on, or null.</summary>
    public string? Failure => _session.SpoolFailure;

    /// <summary>Events not yet confirmed as stored by the server.</summary>
    public int UnacknowledgedEvents => _session.Spool.Count;

    /// <summary>Events the server refused for good (see <c>StoredAck.rejected</c>), dropped from the spool, since start.</summary>
    public long RejectedEvents => _session.Spool.Rejected;

    /// <summary>How hooks were answered so far, and how the stream fared.</summary>
    public SidecarCounters Counters => _session.Counters();

    /// <summary>Raised after each hook is answered, with its verdict, source and latency.</summary>
    public event Action<HookDecision>? Decided
    {
        add => _session.Processor.Decided += value;
        remove => _session.Processor.Decided -= value;
    }

    internal PendingDecisions Pending => _session.Pending;

    /// <summary>
    /// Opens the stream and waits for the first policy snapshot (or the first failed attempt, or the warm-up
    /// timeout) before it accepts hooks, so the first tool call does not pay for the connection.
    /// </summary>
    public static async Task<HooklineSidecar> StartAsync(SidecarOptions options, CancellationToken cancellationToken = default)
    {
        var sessionId = options.SessionId ?? Guid.NewGuid().ToString();
        // The server accepts only the canonical lower-case form (it compares ids as text).
        if (!Guid.TryParseExact(sessionId, "D", out var uuid) || uuid.ToString("D") != sessionId)
        {
            throw new ArgumentException($"--session must be a lower-case UUID (8-4-4-4-12), got '{sessionId}'");
        }
        var logger = options.LoggerFactory.CreateLogger("Hookline.Sidecar");
        var session = await SidecarSession.OpenAsync(options, sessionId, logger).ConfigureAwait(false);
        var socketPath = options.SocketPath ?? DefaultSocketPath(options.StateDirectory, sessionId);
        HookSocketListener listener;
        try
        {
            listener = new HookSocketListener(socketPath, session.Processor, options.TimeProvider, logger, new Core.ByteBudget(options.InFlightMaxBytes));
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        HookProcessor.Warm();
        await Task.WhenAny(session.Warm, Task.Delay(options.WarmupTimeout, options.TimeProvider, cancellationToken)).ConfigureAwait(false);
        listener.Start();
        await listener.ProbeAsync(cancellationToken).ConfigureAwait(false);
        var sidecar = new HooklineSidecar(session, listener);
        if (options.HttpHooks)
        {
            try
            {
                sidecar._http = await HookHttpListener.StartAsync(session.Processor, options.TimeProvider, logger, 0, options.HttpHookLimits, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await sidecar.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
        return sidecar;
    }

    /// <summary>
    /// Waits until the server has confirmed every event as stored, or the timeout passes. Returns whether the spool
    /// is empty. Unconfirmed events stay spooled and are resent by the next sidecar of this session.
    /// </summary>
    public Task<bool> FlushAsync(TimeSpan timeout) => _session.FlushAsync(timeout);

    /// <summary>
    /// <c>$XDG_RUNTIME_DIR/hookline/</c>, else the state directory's <c>run/</c>; when that would pass the 104-byte
    /// limit of a socket path, <c>/tmp/hookline-UID/</c>, which the listener refuses unless this user made it 0700.
    /// The file is the session id's first 8 characters.
    /// </summary>
    internal static string DefaultSocketPath(string stateDirectory, string sessionId)
        => Platform.Current.PrivateSocketPath(sessionId[..8] + ".sock", Path.Combine(stateDirectory, "run"));

    /// <summary>
    /// Asks the sidecar listening on <paramref name="socketPath"/> for its session, stream state, policy epoch, snapshot
    /// age and counters: Prometheus text lines after a short header, or one JSON object.
    /// </summary>
    /// <exception cref="IOException">The sidecar gave no status.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">Nothing listens there.</exception>
    public static Task<string> QueryStatusAsync(string socketPath, bool json, CancellationToken cancellationToken = default)
        => StatusClient.QueryAsync(socketPath, json, TimeSpan.FromSeconds(5), cancellationToken);

    /// <summary>Ends the Hookline session on the server (the agent exited).</summary>
    public Task EndSessionAsync(string reason = "agent exited") => _session.Connection.EndSessionAsync(reason);

    /// <summary>Stops accepting hooks and closes the stream. What the server has not confirmed stays in the on-disk spool.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_http is not null)
        {
            await _http.DisposeAsync().ConfigureAwait(false);
        }
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _session.DisposeAsync().ConfigureAwait(false);
    }
}
