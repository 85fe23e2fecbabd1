using System.CommandLine;
using Hookline.Cli.Hosting;
using Hookline.Cli.Output;
using Hookline.Policy;
using Hookline.Server.Internal.Ui;
using Hookline.Server;
using Microsoft.Extensions.Logging;

namespace Hookline.Cli.Commands;

internal static class ServerCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen")
        {
            Description = "gRPC endpoint (HTTP/2 cleartext): http://HOST:PORT or unix:/PATH",
            DefaultValueFactory = _ => "http://127.0.0.1:7420",
        };
        var httpListen = new Option<string>("--http-listen")
        {
            Description = "HTTP/1.1 endpoint for health, metrics, the dashboard (/ui) and the read API (/api); loopback only while the dashboard is on",
            DefaultValueFactory = _ => "http://127.0.0.1:7421",
        };
        var policy = CommonOptions.Policy();
        var data = new Option<string>("--data")
        {
            Description = "Directory of the SQLite audit trail (hookline.db)",
            DefaultValueFactory = _ => HooklineServerOptions.DefaultDataDirectory(),
        };
        var postgres = CommonOptions.Postgres();
        var retention = new Option<string?>("--retention")
        {
            Description = "Delete events stored longer ago than this (30d, 12h), in small background batches; default: keep all",
        };
        var logLevel = CommonOptions.LogLevelOption(LogLevel.Information);
        var noDashboard = new Option<bool>("--no-dashboard") { Description = "Serve only /healthz and /metrics on --http-listen (no /ui, no /api)" };
        var auth = new Option<string?>("--auth")
        {
            Description = "required: every call needs a bearer token (the default beyond loopback); off: none (loopback and unix: only, unless --insecure)",
        };
        auth.AcceptOnlyFromAmong("required", "off");
        var insecure = new Option<bool>("--insecure") { Description = "Allow --auth off on an address beyond loopback" };
        var tlsCert = new Option<string?>("--tls-cert") { Description = "PEM certificate (chain): both endpoints serve TLS (HTTP/2 with ALPN on --listen)" };
        var tlsKey = new Option<string?>("--tls-key") { Description = "PEM private key of --tls-cert" };
        var clientCa = new Option<string?>("--client-ca") { Description = "PEM CA: --listen then requires client certificates signed by it (mutual TLS)" };
        var capture = CommonOptions.Capture("What of tool input/output, prompts and raw input is stored: none, redacted (secrets replaced) or full");
        var captureMax = CommonOptions.CaptureMaxBytes();
        var queueMax = new Option<long>("--audit-queue-max-bytes")
        {
            Description = "Bytes of events waiting to be stored; when full, streams wait (nothing is dropped)",
            DefaultValueFactory = _ => HooklineServerOptions.DefaultAuditQueueMaxBytes,
        };
        var trustedProxy = new Option<string[]>("--trusted-proxy")
        {
            Description = "A reverse proxy (IP address or CIDR network; repeat for more) whose X-Forwarded-Proto and X-Forwarded-For are honoured " +
                "(only from it): the dashboard cookie is then Secure behind a TLS-terminating proxy. Makes --auth required the default",
            AllowMultipleArgumentsPerToken = false,
        };
        var instanceName = new Option<string?>("--instance-name")
        {
            Description = "This replica's name, told to sidecars (hookline sidecar status shows it); default: host name/process id",
        };
        var config = ConfigFile.Option();
        var oidc = new OidcFlags();
        var command = new Command("server", "Run the policy server")
        {
            listen, httpListen, policy, data, postgres, retention, logLevel, noDashboard, auth, insecure, tlsCert, tlsKey, clientCa, trustedProxy, instanceName, capture, captureMax, queueMax, config,
        };
        oidc.AddTo(command);
        var limits = new ServerLimitFlags();
        limits.AddTo(command);
        var otlp = new OtlpFlags();
        otlp.AddTo(command);
        var webhook = new ApprovalWebhookFlags();
        webhook.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            HooklineServer server;
            try
            {
                parse = ConfigFile.Apply(parse, command, config);
                server = await HooklineServer.StartAsync(webhook.Apply(parse, otlp.Apply(parse, limits.Apply(parse, new HooklineServerOptions
                {
                    Auth = parse.GetValue(auth) switch { "required" => ServerAuthMode.Required, "off" => ServerAuthMode.Off, _ => null },
                    Insecure = parse.GetValue(insecure),
                    TlsCertificateFile = parse.GetValue(tlsCert),
                    TlsKeyFile = parse.GetValue(tlsKey),
                    ClientCaFile = parse.GetValue(clientCa),
                    TrustedProxies = parse.GetValue(trustedProxy) ?? [],
                    InstanceName = parse.GetValue(instanceName) is { Length: > 0 } name ? name : HooklineServerOptions.DefaultInstanceName(),
                    Listen = parse.GetValue(listen)!,
                    HttpListen = parse.GetValue(httpListen),
                    PolicyFile = parse.GetValue(policy),
                    DataDirectory = parse.GetValue(data)!,
                    Postgres = parse.GetValue(postgres),
                    Retention = parse.GetValue(retention) is { } window ? PolicyCommand.ParseWindow(window, "--retention") : null,
                    LogLevel = parse.GetValue(logLevel),
                    Dashboard = !parse.GetValue(noDashboard),
                    Capture = CommonOptions.ParseCapture(parse.GetValue(capture), parse.GetValue(captureMax)),
                    AuditQueueMaxBytes = Math.Max(64 * 1024, parse.GetValue(queueMax)),
                    Oidc = oidc.Parse(parse),
                }))), cancellationToken);
            }
            catch (PolicyException ex)
            {
                await parse.Error().WriteLineAsync($"hookline server: the policy is invalid; nothing started.\n{ex.Message}");
                return 2;
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException or InvalidOperationException or Npgsql.NpgsqlException or HttpRequestException)
            {
                await parse.Error().WriteLineAsync($"hookline server: {ex.Message}");
                return 2;
            }
            string? failed;
            await using (server)
            {
                // Also ends when the server stops by itself (its audit writer cannot go on): never left half-stopped.
                using var stopped = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, server.Stopping);
                await CommonOptions.WaitForShutdownAsync(stopped.Token);
                failed = server.Failure;
            }
            if (failed is { } failure)
            {
                await parse.Error().WriteLineAsync($"hookline server: stopped: {failure}");
                return 3;
            }
            return 0;
        });
        return command;
    }
}
