using Hookline.Cli;
using Hookline.Cli.Commands;

// The hook path skips System.CommandLine: it runs per tool call and must start fast, and stdin/stdout are the agent's
// protocol there.
if (args.Length > 0 && args[0] == "hook")
{
    return HookEntry.Run(args[1..]);
}

// The sidecar's GC settings are read when the process starts and differ from the server's (same binary): the
// sidecar restarts itself once with them in its environment (Hookline.Sidecar.SidecarMemory).
if (Hookline.Sidecar.SidecarMemory.NeedsRestart(args))
{
    Hookline.Sidecar.SidecarMemory.Restart();
}

return await HooklineCli.Create().Parse(args).InvokeAsync();
