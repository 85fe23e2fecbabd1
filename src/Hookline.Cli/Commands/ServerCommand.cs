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
        var logLevel = CommonOptions.LogLevelOption(LogLevel.Information);
        var capture = CommonOptions.Capture("What of tool input/output, prompts and raw input is stored: none, redacted (secrets replaced) or full");
        var captureMax = CommonOptions.CaptureMaxBytes();
        var command = new Command("server", "Run the policy server") { listen, httpListen, policy, data, logLevel, capture, captureMax };
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
                    LogLevel = parse.GetValue(logLevel),
                    Capture = CommonOptions.ParseCapture(parse.GetValue(capture), parse.GetValue(captureMax)),
                }, cancellationToken);
            }
            catch (PolicyException ex)
            {
                await Console.Error.WriteLineAsync($"hookline server: the policy is invalid; nothing started.\n{ex.Message}");
                return 2;
            }
            catch (Exception ex) when (ex is ArgumentException or IOException)
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
