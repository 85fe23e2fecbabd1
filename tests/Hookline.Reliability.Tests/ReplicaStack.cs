using System.Globalization;

namespace Hookline.Reliability.Tests;

/// <summary>One <c>hookline server --postgres</c> process of a <see cref="ReplicaStack"/>.</summary>
internal sealed record Replica(string Name, int Port, int HttpPort, ChildProcess Process)
{
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>Its HTTP endpoint (/healthz, /metrics, policy apply).</summary>
    public string HttpUrl => $"http://127.0.0.1:{HttpPort}";
}

/// <summary>One <c>hookline sidecar</c> process of a <see cref="ReplicaStack"/>, with its own session and hook socket.</summary>
internal sealed record ReplicaSidecar(ChildProcess Process, string SocketPath, string SessionId);

/// <summary>
/// Server replicas sharing one fresh PostgreSQL database (each started with the same <c>--policy</c> file, which only
/// the first applies), and sidecars dialing one or more of them. Everything is killed and the database dropped on dispose.
/// </summary>
internal sealed class ReplicaStack : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly List<ChildProcess> _processes = [];

    private ReplicaStack(TestDatabase database, string directory)
    {
        Database = database;
        Directory = directory;
    }

    public TestDatabase Database { get; }

    public string Directory { get; }

    public List<Replica> Replicas { get; } = [];

    /// <summary>Starts <paramref name="count"/> replicas at once, as a deployment does: they migrate under one lock.</summary>
    /// <param name="policy">The policy every replica starts with (default: the standard one).</param>
    public static async Task<ReplicaStack> StartAsync(int count, string? policy = null)
    {
        var database = await TestDatabase.CreateAsync();
        var stack = new ReplicaStack(database, System.IO.Directory.CreateTempSubdirectory("hl-rep-").FullName);
        await File.WriteAllTextAsync(stack.PolicyFile, policy ?? Policies.Standard);
        try
        {
            var starting = Enumerable.Range(0, count).Select(i => stack.StartReplica(((char)('A' + i)).ToString())).ToList();
            await Task.WhenAll(starting.Select(r => r.Process.WaitForLineAsync("Hookline server: gRPC on", StartTimeout)));
            stack.Replicas.AddRange(starting);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private string PolicyFile => Path.Combine(Directory, "policy.yaml");

    private Replica StartReplica(string name)
    {
        var (port, httpPort) = (Ports.Free(), Ports.Free());
        var process = ChildProcess.Start(Artifacts.Hookline,
        [
            "server", "--listen", $"http://127.0.0.1:{port}", "--http-listen", $"http://127.0.0.1:{httpPort}",
            "--policy", PolicyFile, "--postgres", Database.ConnectionString,
            // Only the token file lives here with PostgreSQL: one per replica, in the scratch directory.
            "--data", Path.Combine(Directory, "replica-" + name),
        ]);
        _processes.Add(process);
        return new Replica(name, port, httpPort, process);
    }

    /// <summary>A sidecar (budget 8 ms, fail mode closed) dialing <paramref name="servers"/> in order, failing over between them.</summary>
    public Task<ReplicaSidecar> StartSidecarAsync(string name, params string[] servers) => StartSidecarAsync(name, 8, servers);

    /// <summary>The same with a budget of <paramref name="budgetMs"/>.</summary>
    public async Task<ReplicaSidecar> StartSidecarAsync(string name, int budgetMs, params string[] servers)
    {
        // 0700, as the sidecar requires of a socket's directory (another user must not be able to reach or replace it).
        var directory = System.IO.Directory.CreateDirectory(Path.Combine(Directory, name), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        var socket = Path.Combine(directory, "hook.sock");
        var session = Guid.NewGuid().ToString();
        var process = ChildProcess.Start(Artifacts.Hookline,
        [
            "sidecar", .. servers.SelectMany(url => new[] { "--server", url }), "--socket", socket,
            "--state-dir", Path.Combine(directory, "state"), "--session", session, "--fail-mode", "closed",
            "--budget-ms", budgetMs.ToString(CultureInfo.InvariantCulture), "--log-level", "Debug",
        ], new Dictionary<string, string> { ["HOOKLINE_ORPHAN_FILE"] = Path.Combine(directory, "orphans.jsonl") });
        _processes.Add(process);
        await process.WaitForLineAsync("HOOKLINE_SOCKET=", StartTimeout);
        return new ReplicaSidecar(process, socket, session);
    }

    /// <summary>SIGKILL: the replica gets no chance to flush, acknowledge or close its streams.</summary>
    public async Task KillAsync(Replica replica)
    {
        _processes.Remove(replica.Process);
        await replica.Process.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }
        await Database.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
