using Hookline.Server.Internal.Ui;

namespace Hookline.Server;

/// <summary>Whether callers must present a bearer token.</summary>
public enum ServerAuthMode
{
    /// <summary>Every gRPC call and every HTTP endpoint but <c>/healthz</c> needs a token with the right scope.</summary>
    Required,

    /// <summary>No token is asked for: for loopback and Unix sockets, where only this machine can connect.</summary>
    Off,
}

/// <summary>How a Hookline server listens, where it keeps its data and which policy it enforces.</summary>
public sealed class HooklineServerOptions
{
    /// <summary>
    /// gRPC endpoint (HTTP/2 cleartext): <c>http://127.0.0.1:7420</c>, or <c>unix:/path/to.sock</c>. Port 0 picks a
    /// free port. Empty: no gRPC listener at all; sidecars in this process use <see cref="HooklineServer.CreateInProcessInvoker"/>.
    /// </summary>
    public string Listen { get; set; } = "http://127.0.0.1:7420";

    /// <summary>
    /// Secrets valid only while this server runs and never stored (<c>hookline start</c>'s sidecar and dashboard
    /// credentials), accepted beside the stored tokens.
    /// </summary>
    public IList<RunCredential> RunCredentials { get; } = [];

    /// <summary>Connection bounds of both listeners (see docs/security.md, "Connection limits").</summary>
    public Core.ConnectionLimits ConnectionLimits { get; set; } = Core.ConnectionLimits.Server;

    /// <summary>HTTP/1.1 endpoint for health, metrics and the dashboard. Null or empty: none.</summary>
    public string? HttpListen { get; set; } = "http://127.0.0.1:7421";

    /// <summary>Serve the dashboard (<c>/ui</c>) and the read API (<c>/api</c>) on the HTTP/1.1 endpoint; loopback only.</summary>
    public bool Dashboard { get; set; } = true;

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

    /// <summary>
    /// The longest the id of a stored event waits on its stream for others to share one StoredAck (see
    /// <c>StreamOutbox</c>), and the spacing of a busy stream's acks: under load a stream gets about one StoredAck per
    /// delay (at 6 events/s per session, 2 s makes 12 events per ack), not one message per event. After a quiet spell
    /// a stream with nothing else waiting for storage is acknowledged at once, so a trickle is never held back. The
    /// sidecar holds each event until its ack, so a longer delay holds more of them (at most <c>MaxIdsPerAck</c> per
    /// stream beyond those still being stored). Zero: every batch's acks go at once. Keep it well below the sidecar's
    /// resend interval (10 s), or unacknowledged events are sent twice.
    /// </summary>
    public TimeSpan StoredAckDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Bytes of events the audit writer may hold waiting to be stored (their wire size plus a small overhead). A full
    /// queue makes the streams wait (backpressure), and never drops an event; one event larger than the bound still
    /// passes alone. Memory, not throughput: the writer takes up to <see cref="MaxBatchSize"/> events per transaction.
    /// </summary>
    public long AuditQueueMaxBytes { get; set; } = DefaultAuditQueueMaxBytes;

    /// <summary>Default of <see cref="AuditQueueMaxBytes"/>: 64 MiB.</summary>
    public const long DefaultAuditQueueMaxBytes = 64L * 1024 * 1024;

    /// <summary>
    /// How long a failing store (a full disk, a lost database) is retried, with backoff, before the audit writer gives
    /// up: the server then reports itself unhealthy and stops, for a supervisor to restart it.
    /// </summary>
    public TimeSpan AuditWriterGiveUpAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Runs the audit writer behind the decisions in the scheduler (Linux nice +10). For a server sharing its machine
    /// with an agent (the embedded server of <c>hookline start</c>): a commit no longer delays the next answer. Off for
    /// a shared server, where storage at full priority keeps throughput under saturation (about 15 % more on 2 cores).
    /// </summary>
    public bool StorageBehindDecisions { get; set; }

    /// <summary>Sessions with no heartbeat and no open stream for this long are marked disconnected.</summary>
    public TimeSpan SessionIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// How long a successful check of a Hookline token is trusted before the token store is asked again; a revocation
    /// drops it sooner (at once, or on the next poll each second). Zero: ask the store on every call.
    /// </summary>
    public TimeSpan TokenCacheLifetime { get; set; } = Internal.Auth.TokenCache.DefaultLifetime;

    /// <summary>Null: <see cref="ServerAuthMode.Required"/> when an endpoint listens beyond loopback, else off.</summary>
    public ServerAuthMode? Auth { get; set; }

    /// <summary>This replica's name, told to sidecars (their <c>status</c> shows it): default host name and process id.</summary>
    public string InstanceName { get; set; } = DefaultInstanceName();

    public static string DefaultInstanceName() => $"{Environment.MachineName}/{Environment.ProcessId}";

    /// <summary>
    /// Proxies (IP addresses or CIDR networks) whose <c>X-Forwarded-Proto</c> and <c>X-Forwarded-For</c> are honoured;
    /// from any other peer those headers are ignored. With any, the server cannot know who reaches it, so
    /// authentication is required unless <see cref="Auth"/> says off (which is then warned about).
    /// </summary>
    public IList<string> TrustedProxies { get; set; } = [];

    /// <summary>Accept <see cref="ServerAuthMode.Off"/> on an address beyond loopback (refused otherwise).</summary>
    public bool Insecure { get; set; }

    /// <summary>PEM certificate (chain) of the server; with <see cref="TlsKeyFile"/>, both endpoints serve TLS.</summary>
    public string? TlsCertificateFile { get; set; }

    /// <summary>PEM private key of <see cref="TlsCertificateFile"/>.</summary>
    public string? TlsKeyFile { get; set; }

    /// <summary>PEM CA certificate: the gRPC endpoint then requires a client certificate that chains to it (mutual TLS).</summary>
    public string? ClientCaFile { get; set; }

    /// <summary>Also accept JWTs from an OpenID Connect provider as bearer tokens (with authentication required). Null: Hookline tokens only.</summary>
    public OidcOptions? Oidc { get; set; }

    /// <summary>What of an event's payload is stored (redacted by default); sidecars store their spool the same way.</summary>
    public Core.EventCapture Capture { get; set; } = Core.EventCapture.Default;

    /// <summary>OTLP export of metrics and stored events; null: only the <c>OTEL_EXPORTER_OTLP_*</c> variables can turn it on.</summary>
    public OtlpExportOptions? Otlp { get; set; }

    /// <summary>Where new and resolved approvals are announced (a signed POST, generic JSON or Slack); null: nowhere.</summary>
    public ApprovalWebhookOptions? ApprovalWebhook { get; set; }

    /// <summary>
    /// Open streams one principal (issuer, user, org; with authentication off, the one local principal) may hold on
    /// this server; one more is refused at open with <c>ResourceExhausted</c>. Zero or less: no limit.
    /// </summary>
    public int MaxStreamsPerPrincipal { get; set; } = DefaultMaxStreamsPerPrincipal;

    public const int DefaultMaxStreamsPerPrincipal = 64;

    /// <summary>
    /// Unary decision calls (<c>DecideOnce</c>) one principal may have in progress on this server; one more is refused
    /// at once with <c>ResourceExhausted</c> (never queued: a queued call would hold its buffered request). Zero or
    /// less: no limit.
    /// </summary>
    public int MaxUnaryCallsPerPrincipal { get; set; } = DefaultMaxUnaryCallsPerPrincipal;

    public const int DefaultMaxUnaryCallsPerPrincipal = 16;

    /// <summary>
    /// Approvals one session may have waiting for an answer at once (identical requests fold into one and count once);
    /// another is answered with its on_timeout at once (<c>approval_limit</c>). Limits approval fatigue.
    /// </summary>
    public int MaxPendingApprovalsPerSession { get; set; } = DefaultMaxPendingApprovalsPerSession;

    public const int DefaultMaxPendingApprovalsPerSession = 5;

    /// <summary>
    /// Event bytes per second one principal's streams may send, together. Above it the server reads their streams
    /// more slowly (backpressure); nothing is refused or lost. Zero or less: no limit.
    /// </summary>
    public long EventBytesPerSecondPerPrincipal { get; set; } = DefaultEventBytesPerSecondPerPrincipal;

    public const long DefaultEventBytesPerSecondPerPrincipal = 32L * 1024 * 1024;

    /// <summary>How many event bytes a principal may send at once above its rate before its streams are slowed.</summary>
    public long EventBurstBytesPerPrincipal { get; set; } = DefaultEventBurstBytesPerPrincipal;

    public const long DefaultEventBurstBytesPerPrincipal = 64L * 1024 * 1024;

    /// <summary>Minimum log level of the console logger.</summary>
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; set; } = Microsoft.Extensions.Logging.LogLevel.Information;

    /// <summary>Tests only: the approval desk the HTTP API and the dashboard answer through, instead of the server's own.</summary>
    internal Internal.Approvals.IApprovalDesk? ApprovalDesk { get; set; }

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
