using System.Net.Security;
using System.Net.Sockets;
using Grpc.Core.Interceptors;
using Grpc.Core;
using Grpc.Net.Client;
using Hookline.Contracts.V1;
using Hookline.Policy;
using Hookline.Sidecar.Internal.Spool;
using Hookline.Sidecar.Internal.Status;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar.Internal.ServerStream;

/// <summary>
/// The one persistent stream to the server. Reconnects with exponential backoff and jitter; resends the spool
/// on every reconnect; routes decisions to waiting hooks, snapshots to the holder and acks to the spool.
/// </summary>
internal sealed class ServerConnection : IAsyncDisposable
{
    private readonly SidecarOptions _options;
    private readonly SnapshotHolder _snapshots;
    private readonly PendingDecisions _pending;
    private readonly AwaitedApprovals _approvals;
    private readonly EventSpool _spool;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly (string Url, GrpcChannel? Channel, AgentService.AgentServiceClient Client, Core.ClientTls Tls)[] _servers;
    private int _currentServer;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _warm = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Core.SingleStreamWriter<ProcessHookEventRequest>? _outbox;
    private Task? _loop;
    private Task? _heartbeats;

    public ServerConnection(SidecarOptions options, string sessionId, SnapshotHolder snapshots, PendingDecisions pending,
        EventSpool spool, ILogger logger, AwaitedApprovals? approvals = null)
    {
        _options = options;
        SessionId = sessionId;
        _snapshots = snapshots;
        _pending = pending;
        _approvals = approvals ?? new AwaitedApprovals();
        _spool = spool;
        Latencies = new HeldLatencies(spool);
        _logger = logger;
        _time = options.TimeProvider;
        var urls = options.ServerUrls.Count > 0 ? options.ServerUrls : [options.ServerUrl];
        _servers = options.CallInvoker is { } inProcess
            ? [(options.ServerUrl, null, new AgentService.AgentServiceClient(WithToken(inProcess, options.Token)), Core.ClientTls.SystemDefault())]
            : urls.Select(url =>
            {
                var tls = Core.ClientTls.Load(options.CaFile, options.ClientCertificateFile, options.ClientKeyFile);
                var (channel, client) = CreateClient(options, url, tls);
                return (url, (GrpcChannel?)channel, client, tls);
            }).ToArray();
    }

    private AgentService.AgentServiceClient Client => _servers[Volatile.Read(ref _currentServer)].Client;

    /// <summary>The URL of the replica the stream uses (or will try next).</summary>
    public string ServerUrl => _servers[Volatile.Read(ref _currentServer)].Url;

    public string SessionId { get; }

    /// <summary>The name the replica gave itself when the session was last created or resumed (empty from older servers).</summary>
    public string ServerInstance => Volatile.Read(ref _serverInstance);
    private string _serverInstance = "";

    /// <summary>
    /// Who the server takes this session to be (the token's user and org); until it has said so, the OS user.
    /// The local fallback evaluates <c>user</c> conditions with it, as the server does.
    /// </summary>
    public SessionUser Identity => Volatile.Read(ref _identity);
    private SessionUser _identity = new(Environment.UserName, "");

    /// <summary>The latencies of remote decisions, reported on whichever stream is open once their events are stored.</summary>
    public HeldLatencies Latencies { get; }

    /// <summary>Whether a stream is open and accepting events right now.</summary>
    public bool IsConnected => Volatile.Read(ref _outbox) is not null;

    public long Reconnects => Interlocked.Read(ref _reconnects);
    private long _reconnects;

    /// <summary>Events resent from the spool after a stream (re)opened.</summary>
    public long Replayed => Interlocked.Read(ref _replayed);
    private long _replayed;

    /// <summary>Starts the connection loop. The task completes once the first snapshot arrived or the first attempt failed.</summary>
    public Task StartAsync()
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token));
        _heartbeats = Task.Run(() => HeartbeatAsync(_stopping.Token));
        return _warm.Task;
    }

    /// <summary>
    /// Sends a message on the open stream: written on the caller's (hook's) thread when the stream is idle, which saves
    /// waking the write loop; queued otherwise. False when the stream is down or its queue is full.
    /// </summary>
    public bool TrySend(ProcessHookEventRequest message)
        => Volatile.Read(ref _outbox) is { } outbox && (outbox.TryWriteNow(message) || outbox.TrySend(message));

    private async Task RunAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            string reason;
            try
            {
                await EnsureSessionAsync(stopping).ConfigureAwait(false);
                await RunStreamAsync(() => failures = 0, stopping).ConfigureAwait(false);
                reason = "the server closed the stream";
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                reason = Reason(ex, _servers[Volatile.Read(ref _currentServer)].Tls);
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                break;
            }
            _warm.TrySetResult();
            if (stopping.IsCancellationRequested)
            {
                break;
            }
            failures++;
            Interlocked.Increment(ref _reconnects);
            var failed = ServerUrl;
            // Fail over: the next replica at once (after the shortest delay); back off only once all failed in a row.
            Volatile.Write(ref _currentServer, (_currentServer + 1) % _servers.Length);
            var delay = failures < _servers.Length
                ? _options.MinReconnectDelay * Random.Shared.NextDouble()
                : Core.Backoff.Delay(failures - _servers.Length + 1, _options.MinReconnectDelay, _options.MaxReconnectDelay, Random.Shared.NextDouble());
            Log.StreamDown(_logger, failed, reason, (long)delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        _warm.TrySetResult();
    }

    /// <summary>Creates the session, or resumes it: every reconnect presents the same id.</summary>
    private async Task EnsureSessionAsync(CancellationToken cancellationToken)
    {
        var response = await Client.CreateSessionAsync(new CreateSessionRequest
        {
            SessionId = SessionId,
            Agent = _options.Agent,
            AgentSessionId = _options.AgentSessionId ?? "",
            Cwd = _options.Cwd ?? Environment.CurrentDirectory,
            User = Environment.UserName,
            Hostname = Environment.MachineName,
            SidecarVersion = SidecarInfo.Version,
        }, deadline: _time.GetUtcNow().UtcDateTime.AddSeconds(5), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (response.User.Length > 0 || response.Authenticated)
        {
            Volatile.Write(ref _identity, new SessionUser(response.User, response.Org));
            Volatile.Write(ref _serverInstance, response.ServerInstance);
        }
    }

    private async Task RunStreamAsync(Action healthy, CancellationToken stopping)
    {
        using var streamCts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var call = Client.ProcessHookEvent(cancellationToken: streamCts.Token);
        var requests = call.RequestStream;
        await requests.WriteAsync(new ProcessHookEventRequest
        {
            Open = new Open
            {
                SessionId = SessionId,
                SidecarVersion = SidecarInfo.Version,
                PolicyEpoch = _snapshots.Epoch,
                Agent = _options.Agent,
                Capabilities = { Core.InputRewrite.SidecarCapability, Core.ApprovalProtocol.SidecarCapability },
            },
        }, streamCts.Token).ConfigureAwait(false);
        // Before any decision of this stream can arrive: what earlier streams answered, this one would refuse.
        Latencies.NewStream();

        var replay = _spool.Unacknowledged();
        foreach (var hookEvent in replay)
        {
            await requests.WriteAsync(new ProcessHookEventRequest { Event = hookEvent }, streamCts.Token).ConfigureAwait(false);
        }
        if (replay.Count > 0)
        {
            Interlocked.Add(ref _replayed, replay.Count);
            Log.Replayed(_logger, replay.Count);
        }
        // Hooks still held on an approval resume their wait here, whichever replica this is (after the events they name).
        foreach (var awaited in _approvals.Awaited())
        {
            await requests.WriteAsync(new ProcessHookEventRequest { AwaitApproval = awaited }, streamCts.Token).ConfigureAwait(false);
        }

        // From here on one loop writes (the Open and the replay above went out before it started).
        // Bounded: when the stream cannot keep up, TrySend fails and hooks decide locally instead of queueing.
        var outbox = new Core.SingleStreamWriter<ProcessHookEventRequest>();
        var writer = outbox.RunAsync(requests, streamCts);
        var lastHeard = _time.GetTimestamp();
        var pinger = PingLoopAsync(outbox, () => Volatile.Read(ref lastHeard), streamCts);
        var resender = ResendLoopAsync(outbox, streamCts);
        var reporter = ReportLatenciesLoopAsync(outbox, streamCts);
        Volatile.Write(ref _outbox, outbox);
        try
        {
            // Decisions applied while no stream took messages (during the replay above, say): sent now the outbox is open.
            // Inside the try: a writer that has already failed refuses them, and the stream must still be torn down.
            foreach (var amendment in _spool.TakeUnsentAmendments())
            {
                await outbox.SendAsync(new ProcessHookEventRequest { Event = amendment }, streamCts.Token).ConfigureAwait(false);
            }
            Log.StreamOpen(_logger, ServerUrl, SessionId);
            await foreach (var response in call.ResponseStream.ReadAllAsync(streamCts.Token).ConfigureAwait(false))
            {
                Volatile.Write(ref lastHeard, _time.GetTimestamp());
                _snapshots.Heard();
                switch (response.KindCase)
                {
                    case ProcessHookEventResponse.KindOneofCase.Decision:
                        _pending.Complete(response.Decision);
                        break;
                    case ProcessHookEventResponse.KindOneofCase.PolicySnapshot:
                        Install(response.PolicySnapshot, outbox);
                        healthy();
                        _warm.TrySetResult();
                        break;
                    case ProcessHookEventResponse.KindOneofCase.StoredAck:
                        _spool.Acknowledge(response.StoredAck);
                        Latencies.Acknowledge(response.StoredAck);
                        foreach (var rejected in response.StoredAck.Rejected)
                        {
                            Log.EventRejected(_logger, rejected.EventId, rejected.ReasonCode, rejected.Reason);
                        }
                        Log.Acknowledged(_logger, response.StoredAck.EventIds.Count, _spool.Count);
                        break;
                    case ProcessHookEventResponse.KindOneofCase.ApprovalResolved:
                        _approvals.Resolve(response.ApprovalResolved);
                        break;
                    case ProcessHookEventResponse.KindOneofCase.Pong:
                        if (Volatile.Read(ref _report) is { } report && report.Nonce == response.Pong.Nonce)
                        {
                            report.Read.TrySetResult();
                        }
                        break;
                    default:
                        // A newer server may send kinds this sidecar does not know: say so, and keep the stream.
                        Log.UnknownServerMessage(_logger, response.CalculateSize());
                        break;
                }
            }
        }
        finally
        {
            Volatile.Write(ref _outbox, null);
            outbox.Complete();
            _pending.FailAll();
            await streamCts.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(writer, pinger, resender, reporter).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void Install(Contracts.V1.PolicySnapshot message, Core.SingleStreamWriter<ProcessHookEventRequest> outbox)
    {
        if (_snapshots.Install(message) is { } refusal)
        {
            Log.SnapshotRefused(_logger, message.Epoch, refusal.Reason);
            // Tell the server, so its audit log shows which sidecars cannot apply the policy.
            outbox.TrySend(new ProcessHookEventRequest { SnapshotRefused = refusal.ToProto() });
            return;
        }

        Log.SnapshotInstalled(_logger, message.Epoch, _snapshots.FailMode, _snapshots.Budget.TotalMilliseconds);
    }

    /// <summary>Application pings: a peer silent for three intervals is dead, whatever TCP thinks.</summary>
    private async Task PingLoopAsync(Core.SingleStreamWriter<ProcessHookEventRequest> outbox, Func<long> lastHeard, CancellationTokenSource stream)
    {
        using var timer = new PeriodicTimer(_options.PingInterval, _time);
        ulong nonce = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stream.Token).ConfigureAwait(false))
            {
                var silent = _time.GetElapsedTime(lastHeard());
                if (silent > _options.PingInterval * 3)
                {
                    Log.StreamSilent(_logger, (long)silent.TotalMilliseconds);
                    await stream.CancelAsync().ConfigureAwait(false);
                    return;
                }
                outbox.TrySend(new ProcessHookEventRequest { Ping = new Ping { Nonce = ++nonce } });
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Resends, on the open stream, what stayed unacknowledged for a whole interval. A StoredAck lost with a server
    /// killed after its commit, or shed by a server whose outbox was full, would otherwise wait for the next reconnect;
    /// the server stores by event id, so a resend costs a duplicate count, never a duplicate row.
    /// </summary>
    private async Task ResendLoopAsync(Core.SingleStreamWriter<ProcessHookEventRequest> outbox, CancellationTokenSource stream)
    {
        using var timer = new PeriodicTimer(_options.ResendInterval, _time);
        HashSet<string> seen = [];
        try
        {
            while (await timer.WaitForNextTickAsync(stream.Token).ConfigureAwait(false))
            {
                var unacknowledged = _spool.Unacknowledged();
                var resent = 0;
                // Only what was already unacknowledged a tick ago; what a full outbox refuses waits for the next tick.
                foreach (var hookEvent in unacknowledged.Where(e => seen.Contains(e.EventId)))
                {
                    if (!outbox.TrySend(new ProcessHookEventRequest { Event = hookEvent }))
                    {
                        break;
                    }
                    resent++;
                }
                seen = unacknowledged.Select(e => e.EventId).ToHashSet();
                if (resent > 0)
                {
                    Interlocked.Add(ref _replayed, resent);
                    Log.Resent(_logger, resent);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // A ping that follows reported latencies; its pong says the server has read them. Apart from the ping loop's nonces.
    private sealed record LatencyReport(ulong Nonce, TaskCompletionSource Read);
    private LatencyReport? _report;
    private long _reports;

    /// <summary>
    /// Sends the latencies held now, before a clean stop, and waits (within <paramref name="timeout"/>) until the server
    /// has read them: the pong to a ping sent after them. Best effort: a stream that is down keeps them held.
    /// </summary>
    public async Task ReportLatenciesAsync(TimeSpan timeout)
    {
        if (Volatile.Read(ref _outbox) is not { } outbox || Latencies.Flush(outbox.TrySend) == 0)
        {
            return;
        }
        var report = new LatencyReport((1UL << 63) | (ulong)Interlocked.Increment(ref _reports),
            new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        Volatile.Write(ref _report, report);
        if (outbox.TrySend(new ProcessHookEventRequest { Ping = new Ping { Nonce = report.Nonce } }))
        {
            await report.Read.Task.WaitAsync(timeout, _time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Reports the held latencies of stored events, batched: one tick sends what gathered since the last, so a busy
    /// session costs a message per 256 decisions a tick, never one per decision. Through the outbox, like every write.
    /// </summary>
    private async Task ReportLatenciesLoopAsync(Core.SingleStreamWriter<ProcessHookEventRequest> outbox, CancellationTokenSource stream)
    {
        using var timer = new PeriodicTimer(_options.LatencyReportInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stream.Token).ConfigureAwait(false))
            {
                Latencies.Flush(outbox.TrySend);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task HeartbeatAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    await Client.HeartbeatAsync(new HeartbeatRequest { SessionId = SessionId },
                        deadline: _time.GetUtcNow().UtcDateTime.AddSeconds(5), cancellationToken: stopping).ConfigureAwait(false);
                }
                catch (RpcException)
                {
                    // The stream loop reports outages; a missed heartbeat only ages the session on the server.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Ends the session on the server. Best effort: an unreachable server marks it disconnected by itself.</summary>
    public async Task EndSessionAsync(string reason)
    {
        try
        {
            await Client.EndSessionAsync(new EndSessionRequest { SessionId = SessionId, Reason = reason },
                deadline: _time.GetUtcNow().UtcDateTime.AddSeconds(3)).ConfigureAwait(false);
        }
        catch (RpcException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        if (_heartbeats is not null)
        {
            await _heartbeats.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        foreach (var server in _servers)
        {
            server.Channel?.Dispose();
        }
        _stopping.Dispose();
    }

    /// <summary>Why a call failed, in words; a failed TLS handshake names its cause (see <see cref="Core.ClientTls"/>).</summary>
    /// <summary>
    /// One unary call to the first server of <paramref name="options"/>, as the sidecar would make it (same TLS files,
    /// same token): null when the server answered, else why not. A heartbeat for no session answers "not found" from a
    /// server that accepted the call, so any answer but "unauthenticated" means it is reachable and takes the token.
    /// </summary>
    public static async Task<string?> ProbeAsync(SidecarOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var url = options.ServerUrls.Count > 0 ? options.ServerUrls[0] : options.ServerUrl;
        var tls = Core.ClientTls.Load(options.CaFile, options.ClientCertificateFile, options.ClientKeyFile);
        var (channel, client) = CreateClient(options, url, tls);
        using (channel)
        {
            using var bounded = new CancellationTokenSource(timeout, options.TimeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(bounded.Token, cancellationToken);
            try
            {
                await client.HeartbeatAsync(new HeartbeatRequest(), cancellationToken: linked.Token).ConfigureAwait(false);
                return null;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.PermissionDenied or StatusCode.InvalidArgument
                or StatusCode.FailedPrecondition)
            {
                return null;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unauthenticated)
            {
                return $"{url} refuses the token: {ex.Status.Detail}";
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && bounded.IsCancellationRequested)
            {
                return $"{url} did not answer within {timeout.TotalSeconds:0} s";
            }
            catch (Exception ex) when (ex is RpcException or HttpRequestException or IOException)
            {
                return $"{url}: {Reason(ex, tls)}";
            }
        }
    }

    private static string Reason(Exception ex, Core.ClientTls tls) => ex switch
    {
        RpcException { Status.DebugException: { } inner } rpc => $"{rpc.StatusCode}: {tls.Describe(inner)}",
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        _ => tls.Describe(ex),
    };

    private static (GrpcChannel, AgentService.AgentServiceClient) CreateClient(SidecarOptions options, string address, Core.ClientTls tls)
    {
        HttpMessageHandler handler;
        if (options.HttpHandler is not null)
        {
            handler = options.HttpHandler;
        }
        else
        {
            var sockets = new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = false,
                KeepAlivePingDelay = TimeSpan.FromSeconds(5),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                ConnectTimeout = TimeSpan.FromSeconds(3),
            };
            if (address.StartsWith("unix:", StringComparison.Ordinal))
            {
                var path = address["unix:".Length..];
                sockets.ConnectCallback = async (_, cancellationToken) =>
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    try
                    {
                        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                };
                address = "http://localhost";
            }
            sockets.SslOptions = tls.Options();
            handler = sockets;
        }
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = Core.MessageLimits.MaxMessageBytes,
            MaxSendMessageSize = Core.MessageLimits.MaxMessageBytes,
        });
        return (channel, new AgentService.AgentServiceClient(WithToken(channel.CreateCallInvoker(), options.Token)));
    }

    private static CallInvoker WithToken(CallInvoker invoker, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return invoker;
        }
        // Every call carries the token: the session RPCs, heartbeats and the stream alike.
        var authorization = "Bearer " + token;
        return invoker.Intercept(metadata =>
        {
            metadata.Add("authorization", authorization);
            return metadata;
        });
    }
}

/// <summary>The user and org of a session, as the server named them.</summary>
internal sealed record SessionUser(string User, string Org);
