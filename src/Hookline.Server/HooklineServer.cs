using Hookline.Server.Internal.Approvals;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Decisions;
using Hookline.Server.Internal.Grpc;
using Hookline.Server.Internal.Hosting;
using Hookline.Server.Internal.Http;
using Hookline.Server.Internal.Metrics;
using Hookline.Server.Internal.ReadApi;
using Hookline.Server.Internal.Storage.Postgres;
using Hookline.Server.Internal.Storage.Sqlite;
using Hookline.Server.Internal.Storage;
using Hookline.Server.Internal.Ui;
using Hookline.Server.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hookline.Server;

/// <summary>A running Hookline server. Used by <c>hookline server</c>, by the embedded server of <c>hookline start</c>, and by tests.</summary>
public sealed class HooklineServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HooklineServer(WebApplication app, string grpcAddress, string? httpAddress, string databasePath)
    {
        _app = app;
        GrpcAddress = grpcAddress;
        HttpAddress = httpAddress;
        DatabasePath = databasePath;
    }

    /// <summary>The gRPC address as bound (a real port when 0 was asked for), e.g. <c>http://127.0.0.1:41234</c> or <c>unix:/path</c>.</summary>
    public string GrpcAddress { get; }

    public string? HttpAddress { get; }

    /// <summary>The SQLite file of the audit trail, or the PostgreSQL host and database.</summary>
    public string DatabasePath { get; }

    /// <summary>Epoch of the policy snapshot in force.</summary>
    public ulong PolicyEpoch => _app.Services.GetRequiredService<PolicyHolder>().Current.Epoch;

    internal IServiceProvider Services => _app.Services;

    /// <summary>Starts Kestrel and returns once both endpoints listen. Throws <see cref="Policy.PolicyException"/> for an invalid policy.</summary>
    public static async Task<HooklineServer> StartAsync(HooklineServerOptions options, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.SetMinimumLevel(options.LogLevel);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);

        // No --listen: only this process reaches the agent service (hookline start), so no port to guard.
        var grpcEndpoint = string.IsNullOrEmpty(options.Listen) ? null : ListenAddress.Parse(options.Listen, "--listen");
        var httpEndpoint = string.IsNullOrEmpty(options.HttpListen) ? null : ListenAddress.Parse(options.HttpListen, "--http-listen");
        var tls = ServerTls.Load(options);
        var forwarded = TrustedProxies.Parse(options.TrustedProxies);
        var authRequired = ResolveAuth(options, grpcEndpoint, httpEndpoint, tls);
        if (options.Oidc is not null && !authRequired)
        {
            throw new ArgumentException("--oidc-issuer needs authentication: use --auth required (the default beyond loopback)");
        }
        // OIDC: the JWKS is read now, so a server with unusable keys does not start.
        var jwt = options.Oidc is null ? null : new JwtValidator(options.Oidc, options.TimeProvider);
        if (options.Dashboard && !authRequired)
        {
            // Without tokens nobody could tell a reader from a stranger: then the dashboard stays on loopback.
            ReadAccess.EnsureBindAllowed(httpEndpoint, "--http-listen");
        }
        options.ApprovalWebhook?.Validate();
        // OTLP: a wrong --otlp-protocol is refused before the store is opened.
        var export = OtlpExport.Start(options);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Kestrel cannot serve HTTP/1.1 and prior-knowledge h2c on one cleartext port, hence two endpoints.
            grpcEndpoint?.Bind(kestrel, HttpProtocols.Http2,
                ListenerRouting.MarkGrpc(tls is null ? null : o => tls.Apply(o, requireClientCertificate: true)));
            httpEndpoint?.Bind(kestrel, HttpProtocols.Http1, tls is null ? null : o => tls.Apply(o, requireClientCertificate: false));
            // Any local user can connect to a loopback port: idle connections must not hold every descriptor.
            (kestrel.Limits.MaxConcurrentConnections, kestrel.Limits.RequestHeadersTimeout, kestrel.Limits.KeepAliveTimeout)
                = options.ConnectionLimits.Checked();
            kestrel.Limits.Http2.MaxStreamsPerConnection = StreamsPerConnection(options);
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(10);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(5);
        });

        IAuditStore store = string.IsNullOrEmpty(options.Postgres)
            ? new SqliteStore(options.DataDirectory, options.TimeProvider)
            : new PostgresStore(options.Postgres, options.TimeProvider);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.TimeProvider);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(sp => new PolicyHolder(
            store, options.TimeProvider, sp.GetRequiredService<ILogger<PolicyHolder>>(), options.PolicyFile));
        builder.Services.AddSingleton<ServerMetrics>();
        if (export is not null)
        {
            builder.Services.AddSingleton(export);
        }
        builder.Services.AddSingleton<LiveFeed>();
        if (options.ApprovalWebhook is { } webhook)
        {
            builder.Services.AddSingleton(sp => new WebhookSender(sp.GetRequiredService<IApprovalDesk>(), webhook, options.Capture,
                options.TimeProvider, sp.GetRequiredService<ILogger<WebhookSender>>()));
            builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookSender>());
        }
        if (options.Dashboard)
        {
            // The read API and the dashboard read through the store's reader, SQLite or PostgreSQL alike.
            builder.Services.AddSingleton(Dashboard.Prepare(store));
            if (store is PostgresStore)
            {
                // The live feed of one replica also shows what the other replicas store.
                builder.Services.AddSingleton<ReplicaFeed>();
                builder.Services.AddHostedService(sp => sp.GetRequiredService<ReplicaFeed>());
            }
        }
        builder.Services.AddSingleton<AuditWriterStatus>();
        builder.Services.AddSingleton<AuditWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditWriter>());
        builder.Services.AddHostedService<PolicyListener>();
        builder.Services.AddSingleton<RetentionSweeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        builder.Services.AddSingleton<SessionTracker>();
        builder.Services.AddSingleton<PrincipalLimits>();
        builder.Services.AddSingleton<ApprovalService>();
        builder.Services.AddSingleton<IApprovalDesk>(sp => sp.GetRequiredService<ApprovalService>());
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ApprovalService>());
        builder.Services.AddSingleton<PrincipalByteRate>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SessionTracker>());
        // Tokens live beside the audit trail: with PostgreSQL in the shared database, so every replica knows them.
        ITokenStore tokens = store is PostgresStore postgres
            ? new PostgresTokenStore(postgres, ownsStore: false)
            : new SqliteTokenStore(((SqliteStore)store).DatabasePath);
        if (options.RunCredentials.Count > 0)
        {
            tokens = new RunCredentialStore(tokens, options.RunCredentials.ToList());
        }
        builder.Services.AddSingleton<ITokenStore>(tokens);
        if (jwt is not null)
        {
            builder.Services.AddSingleton(jwt);
            builder.Services.AddSingleton(options.Oidc!);
            builder.Services.AddHostedService<JwksRefresher>();
        }
        builder.Services.AddSingleton(sp => new TokenCache(sp.GetRequiredService<ITokenStore>(), options.TimeProvider, options.TokenCacheLifetime));
        builder.Services.AddSingleton(sp => new Authenticator(
            sp.GetRequiredService<TokenCache>(), authRequired, sp.GetRequiredService<ILogger<Authenticator>>(), jwt));
        if (options.ApprovalDesk is { } desk)
        {
            builder.Services.AddSingleton(desk);
        }
        builder.Services.AddSingleton<OpenStreams>();
        builder.Services.AddSingleton<Internal.Ui.DashboardSessions>();
        builder.Services.AddSingleton<AuthInterceptor>();
        builder.Services.AddSingleton<StoreUnavailableInterceptor>();
        builder.Services.AddHostedService<RevocationWatcher>();
        builder.Services.AddGrpc(grpc =>
        {
            grpc.Interceptors.Add<AuthInterceptor>();
            grpc.Interceptors.Add<StoreUnavailableInterceptor>();
            grpc.MaxReceiveMessageSize = Core.MessageLimits.MaxMessageBytes;
            grpc.EnableDetailedErrors = false;
        });

        var app = builder.Build();
        if (tls is not null)
        {
            tls.Logger = app.Services.GetRequiredService<ILogger<HooklineServer>>();
        }
        try
        {
            var policy = app.Services.GetRequiredService<PolicyHolder>();
            policy.Watch();
            // The gRPC port serves gRPC alone: an HTTP route there is not found, before any other check answers.
            app.UseListenerSeparation();
            // The scheme and client a trusted proxy saw, before any check reads them; other peers' X-Forwarded-* are ignored.
            app.UseTrustedProxies(forwarded);
            // Browser checks next: they also guard a server without tokens, and refusals get the security headers.
            app.UseBrowserGuards(loopbackHostsOnly: !authRequired && (grpcEndpoint?.IsLocal ?? true) && (httpEndpoint?.IsLocal ?? true));
            Internal.Ui.DashboardSessions.Use(app);
            app.UseHooklineAuthorization();
            app.UseStoreUnavailable();
            app.MapGrpcService<AgentService>();
            MapHttpEndpoints(app);
            if (options.Dashboard)
            {
                Dashboard.Map(app, authRequired);
                // Approvals are read and answered beside the read API (and behind its loopback rule without tokens).
                app.MapApprovalEndpoints();
            }
            app.MapTokenEndpoints();

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            app.Lifetime.ApplicationStopped.Register(() => { policy.Dispose(); tokens.Dispose(); store.Dispose(); jwt?.Dispose(); export?.Dispose(); });
        }
        catch
        {
            // An invalid policy or a taken port: release the database and whatever the host already holds.
            await app.DisposeAsync().ConfigureAwait(false);
            tokens.Dispose();
            store.Dispose();
            jwt?.Dispose();
            export?.Dispose();
            throw;
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var grpcAddress = grpcEndpoint?.Resolve(addresses, 0, tls is not null) ?? InProcessAddress;
        var httpAddress = httpEndpoint?.Resolve(addresses, grpcEndpoint is null ? 0 : 1, tls is not null);
        var logger = app.Services.GetRequiredService<ILogger<HooklineServer>>();
        if (jwt is not null)
        {
            Log.OidcEnabled(logger, options.Oidc!.Issuer, options.Oidc.Audience, jwt.KeyCount, options.Oidc.Jwks);
        }
        if (authRequired)
        {
            Log.AuthRequired(logger, tls is null ? "no TLS: tokens travel in clear text" : tls.Mutual ? "mutual TLS" : "TLS");
        }
        else if (forwarded is not null)
        {
            Log.AuthOffBehindProxy(logger, httpAddress is null ? grpcAddress : $"{grpcAddress} and {httpAddress}", string.Join(", ", options.TrustedProxies));
        }
        else if ((grpcEndpoint?.IsLocal ?? true) && (httpEndpoint?.IsLocal ?? true))
        {
            Log.AuthOff(logger, httpAddress is null ? grpcAddress : $"{grpcAddress} and {httpAddress}");
        }
        else
        {
            Log.AuthOffInsecure(logger, httpAddress is null ? grpcAddress : $"{grpcAddress} and {httpAddress}");
        }
        Log.Listening(logger, grpcAddress, httpAddress ?? "(none)", store.Location);
        foreach (var warning in (store as SqliteStore)?.ModeWarnings ?? [])
        {
            Log.DataNotPrivate(logger, warning);
        }
        return new HooklineServer(app, grpcAddress, httpAddress, store.Location) { AuthRequired = authRequired };
    }

    /// <summary>
    /// Why the server stopped by itself (its audit writer could not go on), or null. A command running the server
    /// exits non-zero when it is set, so that a supervisor restarts it.
    /// </summary>
    public string? Failure => _app.Services.GetRequiredService<AuditWriterStatus>().Failed;

    /// <summary>Cancelled once the server begins to stop, whether asked to or by itself.</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    /// <summary>Whether callers must present a token (see <see cref="HooklineServerOptions.Auth"/>).</summary>
    public bool AuthRequired { get; private init; }

    /// <summary>
    /// HTTP/2 streams one connection may have open at once: each may hold a buffered request of up to one 12 MiB
    /// message. A sidecar multiplexes one principal's streams and calls over one connection, so it gets what that
    /// principal may use (plus room for reconnects), at least Kestrel's default of 100; with either limit off, 1024.
    /// </summary>
    internal static int StreamsPerConnection(HooklineServerOptions options)
        => options.MaxStreamsPerPrincipal <= 0 || options.MaxUnaryCallsPerPrincipal <= 0 ? 1024
            : (int)Math.Clamp((long)options.MaxStreamsPerPrincipal + options.MaxUnaryCallsPerPrincipal + 20, 100, 1024);

    internal static bool ResolveAuth(HooklineServerOptions options, ListenAddress? grpc, ListenAddress? http, ServerTls? tls)
    {
        if ((grpc?.AsksForTls == true || http?.AsksForTls == true) && tls is null)
        {
            throw new ArgumentException("an https:// address needs --tls-cert and --tls-key");
        }
        var local = (grpc?.IsLocal ?? true) && (http?.IsLocal ?? true);
        // Behind a proxy the server cannot know who reaches it through the proxy: tokens unless told otherwise.
        var mode = options.Auth ?? (local && options.TrustedProxies.Count == 0 ? ServerAuthMode.Off : ServerAuthMode.Required);
        if (mode == ServerAuthMode.Off && !local && !options.Insecure)
        {
            throw new ArgumentException(
                "--auth off on an address beyond loopback would let anyone who reaches it use the server; " +
                "listen on loopback or a Unix socket, use tokens, or add --insecure to do it anyway");
        }
        return mode == ServerAuthMode.Required;
    }

    private static void MapHttpEndpoints(WebApplication app)
    {
        // RequestDelegate handlers: no reflection over delegate parameters, so the Native AOT build stays warning-free.
        var policy = app.Services.GetRequiredService<PolicyHolder>();
        var sessions = app.Services.GetRequiredService<SessionTracker>();
        var metrics = app.Services.GetRequiredService<ServerMetrics>();
        var writer = app.Services.GetRequiredService<AuditWriterStatus>();
        app.MapGet("/healthz", context =>
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            // A server that cannot store what it answers is not healthy: failed (it is stopping) or degraded (retrying).
            var (status, problem) = writer.Failed is { } failed ? ("failed", $"audit_writer failed: {failed}\n")
                : writer.Retrying is { } retrying ? ("degraded", $"audit_writer retrying: {retrying}\n")
                : ("ok", "");
            context.Response.StatusCode = problem.Length == 0 ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            return context.Response.WriteAsync(
                $"{status}\n{problem}epoch {policy.Current.Epoch}\nopen_streams {sessions.OpenStreamCount}\nstored_events {metrics.StoredCount}\n");
        }).AllowWithoutToken();
        app.MapGet("/metrics", context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            return context.Response.WriteAsync(metrics.Render());
        });
        app.MapPost(PolicyApplyPath, context => PolicyApplyEndpoint.HandleAsync(context, policy)).RequireScope(TokenScope.Admin);
    }

    /// <summary>The <see cref="GrpcAddress"/> of a server without a gRPC listener: its agent service is reached in process only.</summary>
    public const string InProcessAddress = "in-process";

    /// <summary>HTTP endpoint (on <see cref="HooklineServerOptions.HttpListen"/>) of <c>hookline policy apply</c>: POST the document.</summary>
    public const string PolicyApplyPath = "/v1/policy";

    /// <summary>
    /// Reaches this server's agent service from this process without the network: the same service, authentication
    /// and message encoding over in-memory streams instead of HTTP/2. For a sidecar in the same process
    /// (<see cref="Grpc.Core.CallInvoker"/> for its client); calls fail with <c>Unavailable</c> once the server stops.
    /// </summary>
    public Grpc.Core.CallInvoker CreateInProcessInvoker() => new Internal.InProcess.InProcessCallInvoker(
        ActivatorUtilities.CreateInstance<AgentService>(_app.Services),
        [_app.Services.GetRequiredService<AuthInterceptor>(), _app.Services.GetRequiredService<StoreUnavailableInterceptor>()],
        _app.Services.GetRequiredService<ILogger<Internal.InProcess.InProcessCallInvoker>>(), _app.Lifetime.ApplicationStopping);

    /// <summary>Re-reads the policy file now instead of waiting for the file watcher. Returns false when it was refused or unchanged.</summary>
    public bool ReloadPolicy() => _app.Services.GetRequiredService<PolicyHolder>().Reload();

    /// <summary>Blocks until the server stops (Ctrl+C or SIGTERM).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    private int _disposed;

    /// <summary>Stops the server; what it answered and queued is stored first. Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
