using System.CommandLine;
using Hookline.Cli.Commands;

// The hook path skips System.CommandLine: it runs per tool call and must start fast.
if (args.Length > 0 && args[0] == "hook")
{
    return HookEntry.Run(args[1..]);
}

var root = new RootCommand("Hookline: enforced policy decisions for AI coding agents, over one persistent stream per session.")
{
    ServerCommand.Create(),
    SidecarCommand.Create(),
    HookEntry.CreateHelpOnly(),
    StartCommand.Create(),
    InstallCommand.Install(),
    InstallCommand.Uninstall(),
    DemoCommand.Create(),
    PolicyCommand.Create(),
    AuditCommands.Events(),
    AuditCommands.Sessions(),
    TailCommand.Create(),
    TokenCommand.Create(),
    AuditCommands.Export(),
    AuditCommands.Verify(),
    DoctorCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
