using System.CommandLine;
using System.Diagnostics;
using Hookline.Cli.Clients;
using Hookline.Cli.Hosting;
using Hookline.Cli.Output;
using Hookline.Cli.Wiring;
using Hookline.Policy;
using Hookline.Shared;
using Hookline.Sidecar;
using Microsoft.Extensions.Logging;

namespace Hookline.Cli.Commands;

/// <summary><c>hookline start --agent claude [-- args]</c>: the one command a user runs to govern an agent session.</summary>
internal static class StartCommand
{
    public static Command Create()
    {
        var agent = new Option<string>("--agent") { Description = "The agent to run", DefaultValueFactory = _ => AgentNames.Claude };
        agent.AcceptOnlyFromAmong(AgentNames.Names(a => a.Startable));
        var server = new Option<string?>("--server") { Description = "A Hookline server's gRPC address; without it an embedded server runs in this process" };
        var policy = CommonOptions.Policy();
        var failMode = CommonOptions.FailMode();
        var budget = CommonOptions.BudgetMs();
        var agentCommand = new Option<string?>("--agent-command") { Description = "The agent executable (default: the agent's name on PATH)" };
        var transport = new Option<string?>("--transport")
        {
            Description = "How Claude's hooks reach the sidecar: http (no process per tool call) or command; default http when the installed Claude Code is 2.1.295+",
        };
        transport.AcceptOnlyFromAmong("http", "command");
        var logLevel = CommonOptions.LogLevelOption(LogLevel.Error);
        var token = CommonOptions.Token("With --server: bearer token of scope sidecar");
        var agentArgs = new Argument<string[]>("agent-args") { Description = "Arguments passed to the agent (after --)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("start", "Run an agent session governed by Hookline")
        {
            agent, server, policy, failMode, budget, agentCommand, transport, logLevel, token.File, token.Legacy, agentArgs,
        };
        var tls = new ClientTlsFlags();
        tls.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (tls.TryWithConfig(parse, command, "start") is not { } merged)
            {
                return 2;
            }
            parse = merged;
            var mode = CommonOptions.ParseFailMode(parse.GetValue(failMode));
            var stateDirectory = SidecarOptions.DefaultStateDirectory();
            var claudeCommand = parse.GetValue(agentCommand) ?? "claude";
            // Only Claude Code has HTTP hooks; the others always get command hooks.
            var http = parse.GetValue(agent) == AgentNames.Claude && ClaudeTransport.Choose(parse.GetValue(transport), claudeCommand) == "http";
            EmbeddedStack stack;
            try
            {
                stack = await EmbeddedStack.StartAsync(parse.GetValue(server), parse.GetValue(policy), null,
                    parse.GetValue(agent)!, mode, TimeSpan.FromMilliseconds(parse.GetValue(budget)), stateDirectory,
                    parse.GetValue(logLevel), cancellationToken, http, CommonOptions.TokenValue(parse, token), tls.Files(parse));
            }
            catch (PolicyException ex)
            {
                await parse.Error().WriteLineAsync($"hookline start: the policy is invalid; the agent was not started.\n{ex.Message}");
                return 2;
            }
            catch (ArgumentException ex)
            {
                await parse.Error().WriteLineAsync($"hookline start: {ex.Message}; the agent was not started.");
                return 2;
            }
            await using (stack)
            {
                var sidecar = stack.Sidecar;
                if (stack.DashboardUrl is { } dashboardUrl)
                {
                    // On stderr, before the agent takes the terminal; valid until this command exits.
                    await parse.Error().WriteLineAsync(
                        $"hookline: dashboard {dashboardUrl}\nhookline: sign in with this run's token (valid until hookline exits): {stack.DashboardCredential!.Secret}");
                    // Only on the terminal, like the dashboard's: a file would be readable by the agent, which runs as
                    // the same user and must not answer its own approvals.
                    await parse.Error().WriteLineAsync(
                        $"hookline: answer approvals with: HOOKLINE_TOKEN={stack.ApproverCredential!.Secret} hookline approvals list --server {stack.HttpUrl}");
                }
                var agentName = parse.GetValue(agent)!;
                var sessionDirectory = Path.Combine(stateDirectory, "sessions", sidecar.SessionId);
                // The agent's per-session settings (a hook secret among them) are for this user only.
                Core.PrivateFiles.CreateDirectory(sessionDirectory);
                AgentLaunch launch;
                try
                {
                    launch = agentName switch
                    {
                        AgentNames.Codex => CodexWiring.Prepare(sessionDirectory, HookEntry.HookCommandLine()),
                        AgentNames.Gemini => GeminiWiring.Prepare(sessionDirectory, HookEntry.HookCommandLine()),
                        AgentNames.Qwen => QwenWiring.Prepare(sessionDirectory, HookEntry.HookCommandLine()),
                        AgentNames.Copilot => CopilotWiring.Prepare(sessionDirectory, HookEntry.HookCommandLine()),
                        _ => ClaudeWiring.Prepare(sessionDirectory, HookEntry.HookCommandLine(), mode == SidecarFailMode.Closed,
                            http ? new HttpHookTarget(sidecar.HttpHookUrl!, HooklineSidecar.HttpSecretHeader, sidecar.HttpHookSecret!) : null),
                    };
                }
                catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException or IOException)
                {
                    await parse.Error().WriteLineAsync($"hookline start: cannot wire {agentName}'s hooks: {ex.Message}; the agent was not started.");
                    await sidecar.EndSessionAsync("agent not started");
                    return 2;
                }
                var start = new ProcessStartInfo(parse.GetValue(agentCommand) ?? agentName) { UseShellExecute = false };
                foreach (var arg in launch.LeadingArguments.Concat(parse.GetValue(agentArgs) ?? []))
                {
                    start.ArgumentList.Add(arg);
                }
                foreach (var (key, value) in launch.Environment)
                {
                    start.Environment[key] = value;
                }
                start.Environment["HOOKLINE_SOCKET"] = sidecar.SocketPath;
                start.Environment["HOOKLINE_FAIL_MODE"] = mode == SidecarFailMode.Open ? "open" : "closed";
                start.Environment["HOOKLINE_SESSION"] = sidecar.SessionId;
                Process process;
                try
                {
                    // No redirection: the agent gets this terminal.
                    process = Process.Start(start)!;
                }
                catch (System.ComponentModel.Win32Exception ex)
                {
                    await parse.Error().WriteLineAsync($"hookline start: cannot run '{start.FileName}': {ex.Message}");
                    await sidecar.EndSessionAsync("agent failed to start");
                    return 127;
                }
                using (process)
                {
                    await process.WaitForExitAsync(CancellationToken.None);
                    if (!await sidecar.FlushAsync(TimeSpan.FromSeconds(5)))
                    {
                        await parse.Error().WriteLineAsync(
                            $"hookline: {sidecar.UnacknowledgedEvents} events were not confirmed as stored by the server");
                    }
                    await sidecar.EndSessionAsync("agent exited");
                    return process.ExitCode;
                }
            }
        });
        return command;
    }
}
