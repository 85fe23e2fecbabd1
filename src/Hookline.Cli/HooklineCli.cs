using System.CommandLine;
using Hookline.Cli.Commands;

namespace Hookline.Cli;

/// <summary>
/// The <c>hookline</c> command tree. <c>Program</c> invokes it for the process; tests invoke it in process with their
/// own output and error writers (<see cref="InvocationConfiguration"/>), since every command writes through them.
/// </summary>
public static class HooklineCli
{
    public static RootCommand Create() => new("Hookline: enforced policy decisions for AI coding agents, over one persistent stream per session.")
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
        CoverageCommand.Create(),
        TailCommand.Create(),
        TokenCommand.Create(),
        ApprovalsCommand.Create(),
        AuditCommands.Export(),
        AuditCommands.Verify(),
        DoctorCommand.Create(),
    };
}
