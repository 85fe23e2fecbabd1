using Microsoft.Data.Sqlite;

namespace Hookline.Testing;

/// <summary>A <c>hookline server</c> process and a <c>hookline sidecar</c> process, in a short temp directory.</summary>
public sealed class ProcessStack : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private ProcessStack(string dir, int port)
    {
        Directory = dir;
        Port = port;
        HttpPort = Ports.Free();
    }

    /// <summary>The server's HTTP port (/healthz, /metrics).</summary>
    public int HttpPort { get; }

    /// <summary>The server's HTTP endpoint (the read API, approvals, /healthz).</summary>
    public string HttpUrl => $"http://127.0.0.1:{HttpPort}";

    public string Directory { get; }

    public int Port { get; }

    public string ServerUrl => $"http://127.0.0.1:{Port}";

    public string SocketPath => Path.Combine(Directory, "run", "hook.sock");

    /// <summary>Where the hooks of this stack (see <see cref="HookRun"/>) and its sidecar keep orphan records.</summary>
    public string OrphanFile => Path.Combine(Directory, "run", "orphans.jsonl");

    public string DatabasePath => Path.Combine(Directory, "data", "hookline.db");

    public ChildProcess? Server { get; private set; }

    public ChildProcess? Sidecar { get; private set; }

    /// <summary>The Hookline session of this stack's sidecar; a restarted sidecar resumes it.</summary>
    public string SessionId { get; } = Guid.NewGuid().ToString();

    /// <summary>The address the sidecar dials: the server itself, or a proxy in front of it.</summary>
    public string SidecarServerUrl { get; private set; } = "";

    private string _failMode = "closed";
    private int _budgetMs;
    private IReadOnlyList<string> _sidecarArgs = [];

    /// <param name="port">The server's port (default: a free one); pass it when a proxy must know it first.</param>
    /// <param name="sidecarServerUrl">Where the sidecar connects (default: the server).</param>
    /// <param name="sidecarArgs">Extra arguments of <c>hookline sidecar</c>.</param>
    public static async Task<ProcessStack> StartAsync(bool withServer = true, string failMode = "closed", int budgetMs = 8,
        string? directory = null, int? port = null, string? sidecarServerUrl = null, IReadOnlyList<string>? sidecarArgs = null,
        bool withSidecar = true)
    {
        var stack = new ProcessStack(directory ?? System.IO.Directory.CreateTempSubdirectory("hl-e2e-").FullName, port ?? Ports.Free());
        stack.SidecarServerUrl = sidecarServerUrl ?? stack.ServerUrl;
        stack._failMode = failMode;
        stack._budgetMs = budgetMs;
        stack._sidecarArgs = sidecarArgs ?? [];
        await File.WriteAllTextAsync(Path.Combine(stack.Directory, "policy.yaml"), Policies.Standard);
        if (withServer)
        {
            await stack.StartServerAsync();
        }
        if (withSidecar)
        {
            await stack.StartSidecarAsync();
        }
        return stack;
    }

    /// <summary>Starts (or restarts, after <see cref="KillSidecarAsync"/>) the sidecar of this stack's session.</summary>
    public async Task StartSidecarAsync()
    {
        Sidecar = ChildProcess.Start(Artifacts.Hookline,
        [
            "sidecar", "--server", SidecarServerUrl, "--socket", SocketPath, "--state-dir", Path.Combine(Directory, "state"),
            "--session", SessionId, "--fail-mode", _failMode,
            "--budget-ms", _budgetMs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--log-level", "Debug",
            .. _sidecarArgs,
        ], new Dictionary<string, string> { ["HOOKLINE_ORPHAN_FILE"] = OrphanFile });
        await Sidecar.WaitForLineAsync("HOOKLINE_SOCKET=", StartTimeout);
    }

    /// <summary>SIGKILL: the sidecar gets no chance to flush or say goodbye.</summary>
    public async Task KillSidecarAsync()
    {
        if (Sidecar is not null)
        {
            await Sidecar.DisposeAsync();
        }
    }

    public async Task StartServerAsync()
    {
        Server = ChildProcess.Start(Artifacts.Hookline,
        [
            "server", "--listen", ServerUrl, "--http-listen", $"http://127.0.0.1:{HttpPort}",
            "--policy", Path.Combine(Directory, "policy.yaml"), "--data", Path.Combine(Directory, "data"),
        ]);
        await Server.WaitForLineAsync("Hookline server: gRPC on", StartTimeout);
    }

    public async Task KillServerAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
            Server = null;
        }
    }

    public async Task<long> CountAsync(string where)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM events WHERE " + where;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        if (Sidecar is not null)
        {
            await Sidecar.DisposeAsync();
        }
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
