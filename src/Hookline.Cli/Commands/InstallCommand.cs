using System.CommandLine;
using Hookline.Cli.Wiring;
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
        var server = new Option<string?>("--server") { Description = "The Hookline server the per-user sidecar should use (shown in the next step)" };
        var failMode = CommonOptions.FailMode();
        var command = new Command("install", "Add Hookline's hooks to an agent's settings, next to your own hooks")
        {
            agent, scope, project, server, failMode,
        };
        command.SetAction(parse =>
        {
            var target = InstallTarget.For(parse.GetValue(agent)!, parse.GetValue(scope)!, parse.GetValue(project)!);
            var failClosed = CommonOptions.ParseFailMode(parse.GetValue(failMode)) == SidecarFailMode.Closed;
            var hookCommand = HookEntry.HookCommandLine();
            if (!failClosed)
            {
                hookCommand = "HOOKLINE_FAIL_MODE=open " + hookCommand;
            }
            try
            {
                HookInstaller.Install(target, hookCommand, failClosed, SidecarOptions.DefaultStateDirectory());
            }
            catch (InvalidDataException ex)
            {
                Console.Error.WriteLine($"hookline install: {ex.Message}; nothing was changed.");
                return 2;
            }
            Console.WriteLine($"Hookline hooks installed for {target.Agent} in {target.SettingsFile}.");
            var serverUrl = parse.GetValue(server);
            Console.WriteLine($"They reach the per-user sidecar: run `hookline sidecar --daemon{(serverUrl is null ? "" : " --server " + serverUrl)}`.");
            if (target.Agent == "codex")
            {
                Console.WriteLine(CodexTrust.NextStep(target));
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
                Console.WriteLine(HookInstaller.Uninstall(target, SidecarOptions.DefaultStateDirectory())
                    ? $"Hookline hooks removed from {target.SettingsFile}."
                    : $"No Hookline hooks in {target.SettingsFile}.");
                return 0;
            }
            catch (InvalidDataException ex)
            {
                Console.Error.WriteLine($"hookline uninstall: {ex.Message}; nothing was changed.");
                return 2;
            }
        });
        return command;
    }

    private static (Option<string> Agent, Option<string> Scope, Option<string> Project) TargetOptions()
    {
        var agent = new Option<string>("--agent") { Description = "claude, codex, gemini or cursor", Required = true };
        agent.AcceptOnlyFromAmong(InstallTarget.Agents);
        var scope = new Option<string>("--scope") { Description = "user (your home) or project (the project directory)", DefaultValueFactory = _ => "user" };
        scope.AcceptOnlyFromAmong("user", "project");
        var project = new Option<string>("--project") { Description = "The project directory for --scope project", DefaultValueFactory = _ => Directory.GetCurrentDirectory() };
        return (agent, scope, project);
    }
}
