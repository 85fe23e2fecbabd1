using Hookline.Sidecar.Internal.Decisions;
using Hookline.Sidecar.Internal.Listening;
using Hookline.Sidecar.Internal;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar;

/// <summary>
/// The per-user sidecar (<c>hookline sidecar --daemon</c>): one socket at a well-known path, one Hookline session and
/// one stream per agent session it sees (keyed by agent and the agent's session_id), for hooks installed without the
/// <c>hookline start</c> wrapper. Only one runs per user: a second start finds the lock taken.
/// </summary>
public sealed class HooklineDaemon : IAsyncDisposable
{
    private readonly DaemonRouter _router;
    private readonly HookSocketListener _listener;
    private readonly FileStream _lock;
    private int _disposed;

    private HooklineDaemon(DaemonRouter router, HookSocketListener listener, FileStream @lock)
    {
        _router = router;
        _listener = listener;
        _lock = @lock;
    }

    /// <summary>
    /// <c>$XDG_RUNTIME_DIR/hookline/sidecar.sock</c>, else <c>run/sidecar.sock</c> in the state directory (or, when that
    /// is too long for a socket path, <c>/tmp/hookline-UID/sidecar.sock</c>): where hooks look by default.
    /// </summary>
    public static string DefaultSocketPath() => Platform.Current.DaemonSocketPath();

    public string SocketPath => _listener.Path;

    /// <summary>Sends one probe frame to a hook socket, as a hook would. Returns null when it answered, else why not.</summary>
    public static async Task<string?> ProbeAsync(string socketPath, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(timeout);
        try
        {
            await HookSocketListener.ProbeAsync(socketPath, bounded.Token).ConfigureAwait(false);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no answer within {timeout.TotalSeconds:0} s";
        }
        catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// Asks the server of <paramref name="options"/> (its first URL, with its TLS files and token) whether it answers, as
    /// the daemon's sessions would reach it. Returns null when it answered, else why not (unreachable, TLS, token refused).
    /// </summary>
    /// <exception cref="ArgumentException">A TLS file is unreadable, or only one of certificate and key is given.</exception>
    public static Task<string?> ProbeServerAsync(SidecarOptions options, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Internal.ServerStream.ServerConnection.ProbeAsync(options, timeout, cancellationToken);

    /// <summary>Hookline sessions open now (one per live agent session).</summary>
    public int OpenSessions => _router.OpenSessions;

    /// <summary>Raised when a session opens: agent, the agent's session id, the Hookline session id.</summary>
    public event Action<string, string, string>? SessionOpened
    {
        add => _router.SessionOpened += value;
        remove => _router.SessionOpened -= value;
    }

    /// <summary>Raised when a session ends: agent, the agent's session id, the Hookline session id, the reason.</summary>
    public event Action<string, string, string, string>? SessionEnded
    {
        add => _router.SessionEnded += value;
        remove => _router.SessionEnded -= value;
    }

    /// <summary>Raised when no session has been open for <see cref="SidecarOptions.IdleTimeout"/>.</summary>
    public event Action? Idle
    {
        add => _router.Idle += value;
        remove => _router.Idle -= value;
    }

    /// <summary>
    /// Takes the per-user lock, checks the socket's directory (this user's, mode 0700; anything else is refused) and
    /// listens. Throws <see cref="DaemonAlreadyRunningException"/> when another daemon holds the lock.
    /// </summary>
    public static async Task<HooklineDaemon> StartAsync(SidecarOptions options, CancellationToken cancellationToken = default)
    {
        var logger = options.LoggerFactory.CreateLogger("Hookline.Daemon");
        var socketPath = Path.GetFullPath(options.SocketPath ?? DefaultSocketPath());
        var directory = Path.GetDirectoryName(socketPath)!;
        Platform.Current.EnsurePrivateDirectory(directory);
        var @lock = TakeLock(Path.Combine(directory, Path.GetFileNameWithoutExtension(socketPath) + ".lock"), socketPath);
        var router = new DaemonRouter(options, logger);
        HookSocketListener listener;
        try
        {
            listener = new HookSocketListener(socketPath, router, options.TimeProvider, logger, new Core.ByteBudget(options.InFlightMaxBytes));
        }
        catch
        {
            await router.DisposeAsync().ConfigureAwait(false);
            await @lock.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        HookProcessor.Warm();
        listener.Start();
        await listener.ProbeAsync(cancellationToken).ConfigureAwait(false);
        Log.DaemonListening(logger, socketPath);
        return new HooklineDaemon(router, listener, @lock);
    }

    private static FileStream TakeLock(string path, string socketPath)
    {
        try
        {
            // FileShare.None is an exclusive flock on Unix: released by the kernel when this process dies.
            var stream = Core.PrivateFiles.Open(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            // The running daemon's pid, for `hookline doctor` and for whoever has to stop it.
            stream.SetLength(0);
            stream.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n"));
            stream.Flush();
            return stream;
        }
        catch (IOException ex)
        {
            throw new DaemonAlreadyRunningException(socketPath, ex);
        }
    }

    /// <summary>Stops listening, then ends every open session (each flushed first, bounded).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _router.DisposeAsync().ConfigureAwait(false);
        await _lock.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>Another daemon of this user already serves the socket.</summary>
public sealed class DaemonAlreadyRunningException(string socketPath, Exception inner)
    : IOException($"a Hookline daemon already serves {socketPath}", inner)
{
    public string SocketPath { get; } = socketPath;
}
