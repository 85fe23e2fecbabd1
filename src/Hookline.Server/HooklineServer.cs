using Hookline.Server.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
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

        var grpcEndpoint = ListenAddress.Parse(options.Listen, "--listen");
        var httpEndpoint = string.IsNullOrEmpty(options.HttpListen) ? null : ListenAddress.Parse(options.HttpListen, "--http-listen");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Kestrel cannot serve HTTP/1.1 and prior-knowledge h2c on one cleartext port, hence two endpoints.
            grpcEndpoint.Bind(kestrel, HttpProtocols.Http2);
            httpEndpoint?.Bind(kestrel, HttpProtocols.Http1);
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1024;
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(10);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(5);
        });

        IAuditStore store = string.IsNullOrEmpty(options.Postgres)
            ? new SqliteStore(options.DataDirectory)
            : new PostgresStore(options.Postgres);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.TimeProvider);
        builder.Services.AddSingleton(store);
        builder.Services.AddSingleton(sp => new PolicyHolder(
            store, options.TimeProvider, sp.GetRequiredService<ILogger<PolicyHolder>>(), options.PolicyFile));
        builder.Services.AddSingleton<ServerMetrics>();
        builder.Services.AddSingleton<AuditWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AuditWriter>());
        builder.Services.AddHostedService<PolicyListener>();
        builder.Services.AddSingleton<RetentionSweeper>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RetentionSweeper>());
        builder.Services.AddSingleton<SessionTracker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SessionTracker>());
        builder.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = 16 * 1024 * 1024;
            grpc.EnableDetailedErrors = false;
        });

        var app = builder.Build();
        try
        {
            var policy = app.Services.GetRequiredService<PolicyHolder>();
            policy.Watch();
            app.MapGrpcService<AgentService>();
            MapHttpEndpoints(app);

            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            app.Lifetime.ApplicationStopped.Register(() => { policy.Dispose(); store.Dispose(); });
        }
        catch
        {
            // An invalid policy or a taken port: release the database and whatever the host already holds.
            await app.DisposeAsync().ConfigureAwait(false);
            store.Dispose();
            throw;
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var grpcAddress = grpcEndpoint.Resolve(addresses, 0);
        var httpAddress = httpEndpoint?.Resolve(addresses, 1);
        Log.Listening(app.Services.GetRequiredService<ILogger<HooklineServer>>(), grpcAddress, httpAddress ?? "(none)", store.Location);
        return new HooklineServer(app, grpcAddress, httpAddress, store.Location);
    }

    private static void MapHttpEndpoints(WebApplication app)
    {
        // RequestDelegate handlers: no reflection over delegate parameters, so the Native AOT build stays warning-free.
        var policy = app.Services.GetRequiredService<PolicyHolder>();
        var sessions = app.Services.GetRequiredService<SessionTracker>();
        var metrics = app.Services.GetRequiredService<ServerMetrics>();
        app.MapGet("/healthz", context =>
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync(
                $"ok\nepoch {policy.Current.Epoch}\nopen_streams {sessions.OpenStreamCount}\nstored_events {metrics.StoredCount}\n");
        });
        app.MapGet("/metrics", context =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            return context.Response.WriteAsync(metrics.Render(policy.Current.Epoch, sessions.OpenStreamCount));
        });
        // An admin action: the authentication layer attaches its admin-scope check to this endpoint.
        app.MapPost(PolicyApplyPath, context => PolicyApplyEndpoint.HandleAsync(context, policy));
    }

    /// <summary>HTTP endpoint (on <see cref="HooklineServerOptions.HttpListen"/>) of <c>hookline policy apply</c>: POST the document.</summary>
    public const string PolicyApplyPath = "/v1/policy";

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
