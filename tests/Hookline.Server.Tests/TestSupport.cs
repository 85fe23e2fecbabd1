using System.Text.Json;
using System.Threading.Channels;
using ChannelOfResponses = System.Threading.Channels.Channel<Hookline.Contracts.V1.ProcessHookEventResponse>;
using Google.Protobuf.WellKnownTypes;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Hookline.Contracts.V1;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Server.Tests;

/// <summary>
/// A real server (Kestrel on 127.0.0.1:0, SQLite file in a temp dir, policy file) and a raw gRPC client on it.
/// </summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly TempDir? _ownedDir;

    private TestServer(HooklineServer server, string policyFile, TempDir? ownedDir)
    {
        Server = server;
        PolicyFile = policyFile;
        _ownedDir = ownedDir;
        Channel = GrpcChannel.ForAddress(server.GrpcAddress);
        Client = new AgentService.AgentServiceClient(Channel);
    }

    public HooklineServer Server { get; }
    public string PolicyFile { get; }
    public GrpcChannel Channel { get; }
    public AgentService.AgentServiceClient Client { get; }

    public static HooklineServerOptions Options(TempDir dir, string policyFile) => new()
    {
        Listen = "http://127.0.0.1:0",
        HttpListen = null,
        PolicyFile = policyFile,
        DataDirectory = dir.File("data"),
        LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
    };

    /// <summary>Starts a server on its own temp dir with <paramref name="policy"/> as its policy file.</summary>
    public static async Task<TestServer> StartAsync(string policy, Action<HooklineServerOptions>? configure = null)
    {
        var dir = new TempDir();
        try
        {
            return await StartAsync(dir, policy, configure, ownsDir: true);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>Starts a server on <paramref name="dir"/>, which the caller keeps (for restarts on the same data).</summary>
    public static async Task<TestServer> StartAsync(TempDir dir, string policy, Action<HooklineServerOptions>? configure = null, bool ownsDir = false)
    {
        var policyFile = dir.File("policy.yaml");
        await System.IO.File.WriteAllTextAsync(policyFile, policy);
        var options = Options(dir, policyFile);
        configure?.Invoke(options);
        var server = await HooklineServer.StartAsync(options);
        return new TestServer(server, policyFile, ownsDir ? dir : null);
    }

    public T Service<T>() where T : notnull => Server.Services.GetRequiredService<T>();

    /// <summary>A client on this server that presents <paramref name="token"/> as a bearer token (none when null).</summary>
    public AgentService.AgentServiceClient ClientWith(string? token)
    {
        var invoker = Channel.CreateCallInvoker();
        return new AgentService.AgentServiceClient(token is null ? invoker : Grpc.Core.Interceptors.CallInvokerExtensions.Intercept(invoker, m =>
        {
            m.Add("authorization", "Bearer " + token);
            return m;
        }));
    }

    /// <summary>The server's revocation watcher, to run the poll it runs every second.</summary>
    internal Internal.Auth.RevocationWatcher Watcher
        => Server.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Internal.Auth.RevocationWatcher>().Single();

    /// <summary>Writes a new policy document and reloads it at once (no wait on the file watcher).</summary>
    public async Task<bool> EditPolicyAsync(string policy)
    {
        await System.IO.File.WriteAllTextAsync(PolicyFile, policy);
        return Server.ReloadPolicy();
    }

    public async Task<StreamClient> OpenStreamAsync(string? sessionId = null)
    {
        var stream = new StreamClient(Client.ProcessHookEvent());
        await stream.SendAsync(new ProcessHookEventRequest
        {
            Open = new Open { SessionId = sessionId ?? Guid.NewGuid().ToString(), SidecarVersion = "test", Agent = "claude" },
        });
        return stream;
    }

    /// <summary>The PostgreSQL database of this server, or null on SQLite.</summary>
    public TestDatabase? Database { get; set; }

    /// <summary>SQL for a BLOB/BYTEA column as UTF-8 text, in this server's dialect.</summary>
    public string TextOf(string column) => Database is null ? $"CAST({column} AS TEXT)" : $"convert_from({column}, 'UTF8')";

    /// <summary>One value from the server's database (SQLite or PostgreSQL); parameters are written <c>@name</c>.</summary>
    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        if (Database is not null)
        {
            return await Database.ScalarAsync<T>(sql, parameters);
        }
        await using var connection = new SqliteConnection($"Data Source={Server.DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        var result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default! : (T)result;
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Server.DisposeAsync();
        _ownedDir?.Dispose();
    }
}

/// <summary>
/// One raw ProcessHookEvent stream. A background loop reads every server message into a queue, as a sidecar does, so
/// the server is never held up by flow control; tests take messages from the queue in arrival order.
/// </summary>
internal sealed class StreamClient : IAsyncDisposable
{
    private readonly AsyncDuplexStreamingCall<ProcessHookEventRequest, ProcessHookEventResponse> _call;
    private readonly ChannelOfResponses _received = System.Threading.Channels.Channel.CreateUnbounded<ProcessHookEventResponse>();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Task _reader;
    private ulong _nonce;

    public StreamClient(AsyncDuplexStreamingCall<ProcessHookEventRequest, ProcessHookEventResponse> call)
    {
        _call = call;
        _reader = Task.Run(ReadLoopAsync);
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            await foreach (var message in _call.ResponseStream.ReadAllAsync())
            {
                _received.Writer.TryWrite(message);
            }
            _received.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            _closedBy = ex;
            _received.Writer.TryComplete(ex);
        }
    }

    private Exception? _closedBy;

    /// <summary>Completes when the server ends the stream: null when it ended cleanly, else the error it ended with.</summary>
    public async Task<Exception?> ClosedAsync()
    {
        await _reader.ConfigureAwait(false);
        return _closedBy;
    }

    /// <summary>gRPC allows one write at a time per stream.</summary>
    public async Task SendAsync(ProcessHookEventRequest request)
    {
        await _writeLock.WaitAsync();
        try
        {
            await _call.RequestStream.WriteAsync(request).WaitAsync(Bound.Hang);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public Task SendAsync(HookEvent hookEvent) => SendAsync(new ProcessHookEventRequest { Event = hookEvent });

    /// <summary>Every event id a StoredAck has named so far on this stream, and those it named as applied.</summary>
    public HashSet<string> Stored { get; } = [];
    public HashSet<string> StoredApplied { get; } = [];

    public async Task<ProcessHookEventResponse> NextAsync()
    {
        var message = await Bound.Within(_received.Reader.ReadAsync().AsTask(), "message from the server");
        if (message.KindCase == ProcessHookEventResponse.KindOneofCase.StoredAck)
        {
            Stored.UnionWith(message.StoredAck.EventIds);
            StoredApplied.UnionWith(message.StoredAck.AppliedEventIds);
        }
        return message;
    }

    /// <summary>The next PolicySnapshot; only StoredAcks (which come when storage gets to them) may come before it.</summary>
    public async Task<PolicySnapshot> NextSnapshotAsync()
    {
        var message = await NextAsync();
        while (message.KindCase == ProcessHookEventResponse.KindOneofCase.StoredAck)
        {
            message = await NextAsync();
        }
        Assert.Equal(ProcessHookEventResponse.KindOneofCase.PolicySnapshot, message.KindCase);
        return message.PolicySnapshot;
    }

    /// <summary>Reads messages until <paramref name="done"/> holds for one; returns all read, that one included.</summary>
    public async Task<List<ProcessHookEventResponse>> ReadUntilAsync(Func<ProcessHookEventResponse, bool> done)
    {
        var read = new List<ProcessHookEventResponse>();
        while (true)
        {
            var message = await NextAsync();
            read.Add(message);
            if (done(message))
            {
                return read;
            }
        }
    }

    /// <summary>Reads until StoredAcks (this one or earlier) have named every id; returns all messages read on the way.</summary>
    public async Task<List<ProcessHookEventResponse>> ReadUntilStoredAsync(params string[] eventIds)
    {
        if (eventIds.All(Stored.Contains))
        {
            return [];
        }
        return await ReadUntilAsync(_ => eventIds.All(Stored.Contains));
    }

    /// <summary>Sends a Ping and reads up to its Pong: the server handled everything sent before. Returns what came before the Pong.</summary>
    public async Task<List<ProcessHookEventResponse>> RoundTripAsync()
    {
        var nonce = ++_nonce;
        await SendAsync(new ProcessHookEventRequest { Ping = new Ping { Nonce = nonce } });
        var read = await ReadUntilAsync(m => m.KindCase == ProcessHookEventResponse.KindOneofCase.Pong && m.Pong.Nonce == nonce);
        read.RemoveAt(read.Count - 1);
        return read;
    }

    public async Task<Decision> DecideAsync(HookEvent hookEvent)
    {
        await SendAsync(hookEvent);
        var read = await ReadUntilAsync(m => m.KindCase == ProcessHookEventResponse.KindOneofCase.Decision
            && m.Decision.CorrelationId == hookEvent.CorrelationId);
        return read[^1].Decision;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _call.RequestStream.CompleteAsync().WaitAsync(Bound.Hang);
            await _reader.WaitAsync(Bound.Hang);
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or TimeoutException)
        {
        }
        _call.Dispose();
        _writeLock.Dispose();
    }
}

internal static class Events
{
    private static ulong s_correlation;

    public static HookEvent Bash(string command, string? sessionId = null, ulong? correlationId = null, bool decisionWanted = true) =>
        Tool("Bash", new { command }, sessionId, correlationId, decisionWanted);

    public static HookEvent Tool(string tool, object input, string? sessionId = null, ulong? correlationId = null, bool decisionWanted = true) => new()
    {
        CorrelationId = correlationId ?? Interlocked.Increment(ref s_correlation),
        EventId = Guid.NewGuid().ToString(),
        SessionId = sessionId ?? Guid.NewGuid().ToString(),
        Agent = "claude",
        AgentSessionId = "agent-session",
        HookEventName = decisionWanted ? "PreToolUse" : "PostToolUse",
        NativeEvent = decisionWanted ? "PreToolUse" : "PostToolUse",
        ToolName = tool,
        NativeToolName = tool,
        ToolUseId = "toolu_" + Guid.NewGuid().ToString("N")[..12],
        ToolInput = ByteString.CopyFromUtf8(JsonSerializer.Serialize(input)),
        Cwd = "/tmp/project",
        PermissionMode = "default",
        Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        DecisionWanted = decisionWanted,
    };
}
