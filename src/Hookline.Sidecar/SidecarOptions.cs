using Hookline.Shared;
using Hookline.Sidecar.Internal.Spool;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar;

/// <summary>Fail mode of the sidecar until a policy snapshot says otherwise.</summary>
public enum SidecarFailMode
{
    /// <summary>Without a usable snapshot, blocking events are denied ("policy unavailable").</summary>
    Closed,

    /// <summary>Without a usable snapshot, blocking events are allowed.</summary>
    Open,
}

/// <summary>Configuration of one sidecar (one agent session).</summary>
public sealed class SidecarOptions
{
    /// <summary>The server's gRPC address: <c>http://127.0.0.1:7420</c>, <c>https://host:7420</c> or <c>unix:/path</c>.</summary>
    public string ServerUrl { get; set; } = "http://127.0.0.1:7420";

    /// <summary>
    /// Server replicas to fail over between, in order of preference. Empty: only <see cref="ServerUrl"/>. A stream that
    /// breaks reconnects to the next URL at once; once every URL failed in a row, reconnects back off.
    /// </summary>
    public IList<string> ServerUrls { get; set; } = [];

    /// <summary>Bearer token (scope sidecar) sent on every call; null when the server runs without authentication.</summary>
    public string? Token { get; set; }

    /// <summary>PEM CA certificate to trust for the server's certificate, instead of the system store (a private CA).</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate and key, for a server that requires mutual TLS.</summary>
    public string? ClientCertificateFile { get; set; }

    public string? ClientKeyFile { get; set; }

    /// <summary>The Unix socket hooks connect to. Its directory is created with mode 0700.</summary>
    public string? SocketPath { get; set; }

    /// <summary>
    /// Also serve Claude Code HTTP hooks (<c>"type": "http"</c>) on 127.0.0.1, on an ephemeral port, behind a
    /// per-session secret header (<see cref="HooklineSidecar.HttpHookUrl"/>, <see cref="HooklineSidecar.HttpHookSecret"/>).
    /// </summary>
    public bool HttpHooks { get; set; }

    /// <summary>Connection bounds of the HTTP-hook listener (see docs/security.md, "Connection limits").</summary>
    public Core.ConnectionLimits HttpHookLimits { get; set; } = Core.ConnectionLimits.HttpHooks;

    /// <summary>Hookline session id (a UUID). Null: a new one is made; the server creates or resumes it.</summary>
    public string? SessionId { get; set; }

    /// <summary>The agent this session governs: claude, codex, gemini or cursor.</summary>
    public string Agent { get; set; } = AgentNames.Claude;

    public SidecarFailMode FailMode { get; set; } = SidecarFailMode.Closed;

    /// <summary>How the spool stores payloads until the first snapshot; after that the server's capture mode wins.</summary>
    public Core.EventCapture Capture { get; set; } = Core.EventCapture.Default;

    /// <summary>How long a blocking hook waits for the server before the sidecar decides locally.</summary>
    public TimeSpan Budget { get; set; } = TimeSpan.FromMilliseconds(8);

    /// <summary>
    /// How long a blocking hook may wait for the file system when the sidecar resolves the symbolic links of a tool's
    /// paths (part of <see cref="Budget"/>'s time, not added to it in practice). Past it, the policy sees the paths as written.
    /// </summary>
    public TimeSpan PathLookupBudget { get; set; } = TimeSpan.FromMilliseconds(3);

    /// <summary>How old the last snapshot may be (since the server was last heard) and still decide locally.</summary>
    public TimeSpan MaxSnapshotAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>State directory: the socket's default home and the event spool.</summary>
    public string StateDirectory { get; set; } = DefaultStateDirectory();

    /// <summary>
    /// Cap on the bytes of events held for the server. Over it, captured payloads are shed, oldest first; every
    /// event's record (metadata, applied decision, a marker) is kept.
    /// </summary>
    public long SpoolMaxBytes { get; set; } = Internal.Spool.EventSpool.DefaultMaxBytes;

    /// <summary>
    /// Cap on the bytes of hook requests read and not yet answered, over all connections of the socket: a request
    /// that would pass it waits (within the hook's read timeout) until earlier ones are answered. One request larger
    /// than the cap still passes alone, so the 10 MiB frame cap stays the only limit on a single hook.
    /// </summary>
    public long InFlightMaxBytes { get; set; } = DefaultInFlightMaxBytes;

    public const long DefaultInFlightMaxBytes = 64L * 1024 * 1024;

    /// <summary>
    /// How long failing writes to the spool file (a full disk, an I/O error) are retried, with backoff, before the
    /// sidecar gives up: <see cref="HooklineSidecar.Stopped"/> then completes, and <c>hookline sidecar</c> exits.
    /// </summary>
    public TimeSpan SpoolGiveUpAfter { get; set; } = Internal.Spool.SpoolStore.DefaultGiveUpAfter;

    /// <summary>The hook's orphan file (decisions it made while no sidecar answered), forwarded at start.</summary>
    public string OrphanFile { get; set; } = Internal.Spool.OrphanRecords.DefaultPath();

    /// <summary>Interval of application pings on the stream; a stream silent for three intervals is reconnected.</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Events unacknowledged for a whole interval are sent again on the open stream (idempotent on the server).</summary>
    public TimeSpan ResendInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the latencies of remote decisions are reported on the stream while any are held.</summary>
    public TimeSpan LatencyReportInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>First reconnect delay; doubles up to <see cref="MaxReconnectDelay"/>, with jitter.</summary>
    public TimeSpan MinReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long start-up waits for the first snapshot before it accepts hooks anyway.</summary>
    public TimeSpan WarmupTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The per-user daemon (<see cref="HooklineDaemon"/>) ends a Hookline session after the agent session was silent
    /// this long; with no session left for as long, it raises its idle signal.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Where and how much of the agent's transcript the sidecar reads for coverage (Claude Code's, by default).</summary>
    internal Internal.Transcripts.TranscriptLimits Transcripts { get; set; } = Internal.Transcripts.TranscriptLimits.Default();

    /// <summary>The agent's own session id, recorded with the session (the daemon sets it per agent session).</summary>
    internal string? AgentSessionId { get; set; }

    /// <summary>A copy for one agent session of the daemon, with a new Hookline session.</summary>
    internal SidecarOptions ForAgentSession(string agent, string agentSessionId)
    {
        var copy = (SidecarOptions)MemberwiseClone();
        copy.Agent = agent;
        copy.AgentSessionId = agentSessionId;
        copy.SessionId = null;
        copy.SocketPath = null;
        copy.HttpHooks = false;
        copy.Cwd = null; // each agent session has its own project root: its first working directory
        return copy;
    }

    /// <summary>The agent's own working directory and user, recorded with the session.</summary>
    public string? Cwd { get; set; }

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    public ILoggerFactory LoggerFactory { get; set; } = NullLoggerFactory.Instance;

    /// <summary>
    /// Talks to a server in this same process through this invoker instead of the network (the embedded server of
    /// <c>hookline start</c>, from <c>HooklineServer.CreateInProcessInvoker</c>). <see cref="ServerUrl"/> then only names it.
    /// </summary>
    public Grpc.Core.CallInvoker? CallInvoker { get; set; }

    /// <summary>For tests: the handler under the gRPC channel.</summary>
    public HttpMessageHandler? HttpHandler { get; set; }

    /// <summary><c>$XDG_STATE_HOME/hookline</c>, or <c>~/.local/state/hookline</c>.</summary>
    public static string DefaultStateDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        // The XDG spec says relative values are invalid and must be ignored (the hook does the same).
        var root = string.IsNullOrEmpty(xdg) || !Path.IsPathRooted(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state")
            : xdg;
        return Path.Combine(root, "hookline");
    }
}
