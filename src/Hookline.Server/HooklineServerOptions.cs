namespace Hookline.Server;

/// <summary>How a Hookline server listens, where it keeps its data and which policy it enforces.</summary>
public sealed class HooklineServerOptions
{
    /// <summary>gRPC endpoint (HTTP/2 cleartext): <c>http://127.0.0.1:7420</c>, or <c>unix:/path/to.sock</c>. Port 0 picks a free port.</summary>
    public string Listen { get; set; } = "http://127.0.0.1:7420";

    /// <summary>HTTP/1.1 endpoint for health, metrics and the dashboard. Null or empty: none.</summary>
    public string? HttpListen { get; set; } = "http://127.0.0.1:7421";

    /// <summary>Policy file (YAML or JSON), watched for changes. Null: the built-in default policy.</summary>
    public string? PolicyFile { get; set; }

    /// <summary>Directory of the SQLite database <c>hookline.db</c>.</summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory();

    /// <summary>
    /// PostgreSQL connection string (Npgsql syntax). When set, the audit trail, the sessions and the policy live in
    /// that database, which several replicas may share, and <see cref="DataDirectory"/> is not used.
    /// </summary>
    public string? Postgres { get; set; }

    /// <summary>Events stored longer ago than this are deleted in the background, in small batches. Null: kept forever.</summary>
    public TimeSpan? Retention { get; set; }

    /// <summary>How often the retention sweep runs.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many events one storage transaction may hold.</summary>
    public int MaxBatchSize { get; set; } = 512;

    /// <summary>Sessions with no heartbeat and no open stream for this long are marked disconnected.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Minimum log level of the console logger.</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; set; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary><c>$XDG_DATA_HOME/hookline</c>, or <c>~/.local/share/hookline</c>.</summary>
    public static string DefaultDataDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : xdg;
        return Path.Combine(root, "hookline");
    }
}
