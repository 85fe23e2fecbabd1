using System.CommandLine;
using Hookline.Policy;
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
            Description = "HTTP/1.1 endpoint for health, metrics and the dashboard",
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
        var command = new Command("server", "Run the policy server") { listen, httpListen, policy, data, postgres, retention, logLevel };
        command.SetAction(async (parse, cancellationToken) =>
        {
            HooklineServer server;
            try
            {
                server = await HooklineServer.StartAsync(new HooklineServerOptions
                {
                    Listen = parse.GetValue(listen)!,
                    HttpListen = parse.GetValue(httpListen),
                    PolicyFile = parse.GetValue(policy),
                    DataDirectory = parse.GetValue(data)!,
                    Postgres = parse.GetValue(postgres),
                    Retention = parse.GetValue(retention) is { } window ? PolicyCommand.ParseWindow(window) : null,
                    LogLevel = parse.GetValue(logLevel),
                }, cancellationToken);
            }
            catch (PolicyException ex)
            {
                await Console.Error.WriteLineAsync($"hookline server: the policy is invalid; nothing started.\n{ex.Message}");
                return 2;
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or InvalidOperationException or Npgsql.NpgsqlException)
            {
                await Console.Error.WriteLineAsync($"hookline server: {ex.Message}");
                return 2;
            }
            await using (server)
            {
                await CommonOptions.WaitForShutdownAsync(cancellationToken);
            }
            return 0;
        });
        return command;
    }
}
