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

    /// <summary>How many events one storage transaction may hold.</summary>
    public int MaxBatchSize { get; set; } = 512;

    /// <summary>Sessions with no heartbeat and no open stream for this long are marked disconnected.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>What of an event's payload is stored (redacted by default); sidecars store their spool the same way.</summary>
    public Core.EventCapture Capture { get; set; } = Core.EventCapture.Default;

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
