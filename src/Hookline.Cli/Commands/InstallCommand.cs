using System.CommandLine;
using Hookline.Cli.Hosting;
using Hookline.Cli.Output;
using Hookline.Cli.Wiring;
using Hookline.Shared;
using Hookline.Sidecar;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline install --agent NAME [--scope user|project]</c> and <c>hookline uninstall</c>: wire an agent that runs
/// without <c>hookline start</c>. The installed hooks reach the per-user sidecar on its default socket.
/// </summary>
internal static class InstallCommand
{
    public static Command Install()
    {
        var (agent, scope, project) = TargetOptions();
        var server = new Option<string?>("--server") { Description = "The Hookline server the per-user sidecar uses: recorded in ~/.config/hookline/sidecar.yaml, read however it starts" };
        var tokenFile = new Option<string?>("--token-file") { Description = "The file holding the per-user sidecar's token (scope sidecar): its path is recorded with --server, never the token" };
        var failMode = CommonOptions.FailMode();
        var agentCommand = new Option<string?>("--agent-command") { Description = "Codex: the codex program asked for the hooks' trust hashes (default: codex on PATH)" };
        var command = new Command("install", "Add Hookline's hooks to an agent's settings, next to your own hooks")
        {
            agent, scope, project, server, tokenFile, failMode, agentCommand,
        };
        command.SetAction(async (parse, _) =>
        {
            if (DaemonConfigStep.Check(parse, parse.GetValue(server), parse.GetValue(tokenFile)) is not { } daemonConfig)
            {
                return 2;
            }
            var target = InstallTarget.For(parse.GetValue(agent)!, parse.GetValue(scope)!, parse.GetValue(project)!);
            var failClosed = CommonOptions.ParseFailMode(parse.GetValue(failMode)) == SidecarFailMode.Closed;
            var hookCommand = HookEntry.HookCommandLine();
            if (!failClosed)
            {
                hookCommand = "HOOKLINE_FAIL_MODE=open " + hookCommand;
            }
            IReadOnlyCollection<string> elsewhere;
            try
            {
                elsewhere = HookInstaller.Install(target, hookCommand, failClosed, SidecarOptions.DefaultStateDirectory());
            }
            catch (InvalidDataException ex)
            {
                parse.Error().WriteLine($"hookline install: {ex.Message}; nothing was changed.");
                return 2;
            }
            if (elsewhere.Count > 0)
            {
                parse.Out().WriteLine($"{CodexHookSources.ConfigOf(target.SettingsFile)} already declares Hookline's hooks for {string.Join(", ", elsewhere)} in its [hooks] table: "
                    + "kept there, not added again (Codex would run them twice).");
            }
            parse.Out().WriteLine(elsewhere.Count == CodexWiring.Events.Length
                ? $"No Hookline hooks added to {target.SettingsFile}: all are declared in {CodexHookSources.ConfigOf(target.SettingsFile)}."
                : $"Hookline hooks installed for {target.Agent} in {target.SettingsFile}.");
            if (!DaemonConfigStep.Record(parse, daemonConfig))
            {
                return 2;
            }
            if (target.Agent == AgentNames.Codex)
            {
                // Codex skips hooks nobody trusted: when the trust could not be written, say so plainly, with the step.
                var (trusted, message) = await CodexTrust.TrustAsync(target, parse.GetValue(agentCommand), SidecarOptions.DefaultStateDirectory());
                (trusted ? parse.Out() : parse.Error()).WriteLine(trusted ? message : "NOT YET TRUSTED: " + message);
            }
            return 0;
        });
        return command;
    }

    public static Command Uninstall()
    {
        var (agent, scope, project) = TargetOptions();
        var command = new Command("uninstall", "Remove exactly the hooks `hookline install` added") { agent, scope, project };
        command.SetAction(parse =>
        {
            var target = InstallTarget.For(parse.GetValue(agent)!, parse.GetValue(scope)!, parse.GetValue(project)!);
            try
            {
                parse.Out().WriteLine(HookInstaller.Uninstall(target, SidecarOptions.DefaultStateDirectory())
                    ? $"Hookline hooks removed from {target.SettingsFile}."
                    : $"No Hookline hooks in {target.SettingsFile}.");
                DaemonConfigStep.Kept(parse);
                if (target.Agent == AgentNames.Codex && CodexTrust.Untrust(target, SidecarOptions.DefaultStateDirectory()) is > 0 and var removed)
                {
                    parse.Out().WriteLine($"{removed} Codex trust entries removed from {CodexTrust.ConfigFile()}.");
                }
                return 0;
            }
            catch (InvalidDataException ex)
            {
                parse.Error().WriteLine($"hookline uninstall: {ex.Message}; nothing was changed.");
                return 2;
            }
        });
        return command;
    }

    private static (Option<string> Agent, Option<string> Scope, Option<string> Project) TargetOptions()
    {
        var agent = new Option<string>("--agent") { Description = AgentNames.Listed(), Required = true };
        agent.AcceptOnlyFromAmong(AgentNames.Names());
        var scope = new Option<string>("--scope") { Description = "user (your home) or project (the project directory)", DefaultValueFactory = _ => "user" };
        scope.AcceptOnlyFromAmong("user", "project");
        var project = new Option<string>("--project") { Description = "The project directory for --scope project", DefaultValueFactory = _ => Directory.GetCurrentDirectory() };
        return (agent, scope, project);
    }
}
