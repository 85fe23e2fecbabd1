using System.CommandLine;
using Hookline.Cli.Clients;
using Hookline.Cli.Hosting;
using Hookline.Shared;
using Hookline.Cli.Output;
using Hookline.Sidecar;
using Microsoft.Extensions.Logging;

namespace Hookline.Cli.Commands;

internal static class SidecarCommand
{
    public static Command Create()
    {
        var server = new Option<string[]>("--server")
        {
            Description = "The server's gRPC address (default: $HOOKLINE_SERVER, else, for --daemon, server: in ~/.config/hookline/sidecar.yaml, else http://127.0.0.1:7420); repeat it to fail over between replicas",
            DefaultValueFactory = _ => [DaemonMode.DefaultServer()],
            AllowMultipleArgumentsPerToken = false,
        };
        var socket = new Option<string?>("--socket") { Description = "Unix socket the hooks connect to (default: under the state dir)" };
        var session = new Option<string?>("--session") { Description = "Hookline session id (UUID) to create or resume; new when absent" };
        var agent = new Option<string>("--agent")
        {
            Description = "The agent this session governs",
            DefaultValueFactory = _ => AgentNames.Claude,
        };
        agent.AcceptOnlyFromAmong(AgentNames.Names());
        var failMode = CommonOptions.FailMode();
        var budget = CommonOptions.BudgetMs();
        var stateDir = new Option<string>("--state-dir")
        {
            Description = "State directory (socket, spool)",
            DefaultValueFactory = _ => SidecarOptions.DefaultStateDirectory(),
        };
        var spoolMax = new Option<long>("--spool-max-bytes")
        {
            Description = "Cap on the events held for the server; over it, captured payloads are shed oldest first (records are kept)",
            DefaultValueFactory = _ => 256L * 1024 * 1024,
        };
        var logLevel = CommonOptions.LogLevelOption(LogLevel.Information);
        var token = CommonOptions.Token("Bearer token of scope sidecar");
        var tls = new ClientTlsFlags();
        var capture = CommonOptions.Capture("How the spool stores payloads until the server's first snapshot says: none, redacted or full");
        var daemon = new Option<bool>("--daemon") { Description = "Run the per-user sidecar on the default socket ($XDG_RUNTIME_DIR/hookline/sidecar.sock, else ~/.local/state/hookline/run/sidecar.sock): one session per agent session it sees" };
        var idleMinutes = new Option<int>("--idle-minutes") { Description = "Daemon: end an agent session silent this long", DefaultValueFactory = _ => 30 };
        var exitWhenIdle = new Option<bool>("--exit-when-idle") { Description = "Daemon: exit once no agent session has been open for --idle-minutes" };
        var command = new Command("sidecar", "Run the per-session sidecar (or, with --daemon, the per-user one): one stream per session to the server, one socket for hooks")
        {
            server, socket, session, agent, failMode, budget, stateDir, spoolMax, logLevel, token.File, token.Legacy, capture,
            daemon, idleMinutes, exitWhenIdle, Status(), ServiceCommands.Install(), ServiceCommands.Uninstall(),
        };
        tls.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (tls.TryWithConfig(parse, command, "sidecar") is not { } merged)
            {
                return 2;
            }
            parse = merged;
            if (parse.GetValue(daemon) && parse.GetValue(tls.Config) is null)
            {
                // The per-user sidecar reads the server `hookline install --server` recorded, however it was started.
                try
                {
                    parse = DaemonConfig.Apply(parse, command, tls.Config);
                }
                catch (ArgumentException ex)
                {
                    await parse.Error().WriteLineAsync($"hookline sidecar --daemon: {ex.Message}");
                    return 2;
                }
            }
            var tlsFiles = tls.Files(parse);
            using var loggers = CommonOptions.Console(parse.GetValue(logLevel));
            // The process runs one sidecar (or the daemon): it gives back what each burst of hooks left behind.
            using var trim = SidecarMemory.TrimWhenQuiet(TimeProvider.System);
            // What the daemon and the single sidecar share: the connection to the server, the socket, the spool and
            // the decision settings. Each branch adds only its own fields.
            SidecarOptions Shared() => new()
            {
                ServerUrl = parse.GetValue(server)![0],
                ServerUrls = parse.GetValue(server)!,
                Token = CommonOptions.TokenValue(parse, token),
                CaFile = tlsFiles.CaFile,
                ClientCertificateFile = tlsFiles.ClientCertificateFile,
                ClientKeyFile = tlsFiles.ClientKeyFile,
                SocketPath = parse.GetValue(socket),
                FailMode = CommonOptions.ParseFailMode(parse.GetValue(failMode)),
                Budget = TimeSpan.FromMilliseconds(parse.GetValue(budget)),
                StateDirectory = parse.GetValue(stateDir)!,
                SpoolMaxBytes = parse.GetValue(spoolMax),
                Capture = CommonOptions.ParseCapture(parse.GetValue(capture), Core.EventCapture.DefaultMaxBytes),
                LoggerFactory = loggers,
            };
            if (parse.GetValue(daemon))
            {
                var daemonOptions = Shared();
                daemonOptions.IdleTimeout = TimeSpan.FromMinutes(Math.Max(1, parse.GetValue(idleMinutes)));
                return await DaemonMode.RunAsync(parse, daemonOptions, parse.GetValue(exitWhenIdle), cancellationToken);
            }
            HooklineSidecar sidecar;
            try
            {
                var options = Shared();
                options.SessionId = parse.GetValue(session);
                options.Agent = parse.GetValue(agent)!;
                sidecar = await HooklineSidecar.StartAsync(options, cancellationToken);
            }
            catch (Exception ex) when (ex is ArgumentException or IOException or System.Net.Sockets.SocketException)
            {
                await parse.Error().WriteLineAsync($"hookline sidecar: {ex.Message}");
                return 2;
            }
            await using (sidecar)
            {
                // Scripts wire hooks from this line.
                parse.Out().WriteLine($"HOOKLINE_SOCKET={sidecar.SocketPath}");
                parse.Out().WriteLine($"HOOKLINE_SESSION={sidecar.SessionId}");
                // Also ends when the sidecar cannot go on (its spool writer stopped): never left half-stopped.
                await Task.WhenAny(CommonOptions.WaitForShutdownAsync(cancellationToken), sidecar.Stopped);
                parse.Out().WriteLine($"hookline sidecar: {sidecar.Counters}");
                if (sidecar.Failure is { } failure)
                {
                    await parse.Error().WriteLineAsync($"hookline sidecar: stopped: {failure}");
                    return 3;
                }
                // Asked to stop (SIGTERM, Ctrl+C): hand over what is spooled, then end the session on the server, so it
                // is not left active; both bounded, and what the server has not confirmed stays in the spool.
                await sidecar.FlushAsync(TimeSpan.FromSeconds(5));
                await sidecar.EndSessionAsync("sidecar stopped");
            }
            return 0;
        });
        return command;
    }

    /// <summary><c>hookline sidecar status</c>: a running sidecar's session, stream, snapshot and counters.</summary>
    private static Command Status()
    {
        var socket = new Option<string?>("--socket") { Description = "The sidecar's hook socket (default: $HOOKLINE_SOCKET)" };
        var json = new Option<bool>("--json") { Description = "One JSON object instead of text" };
        var command = new Command("status", "Show a running sidecar's counters, session, stream state, policy epoch and snapshot age")
        {
            socket, json,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(socket) ?? Environment.GetEnvironmentVariable("HOOKLINE_SOCKET");
            if (string.IsNullOrEmpty(path))
            {
                await parse.Error().WriteLineAsync("hookline sidecar status: give --socket PATH or set HOOKLINE_SOCKET");
                return 2;
            }
            try
            {
                parse.Out().Write(await HooklineSidecar.QueryStatusAsync(path, parse.GetValue(json), cancellationToken));
                return 0;
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
            {
                await parse.Error().WriteLineAsync($"hookline sidecar status: no sidecar answered on {path}: {ex.Message}");
                return 1;
            }
        });
        return command;
    }
}
