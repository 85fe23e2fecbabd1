using Hookline.Cli;
using Hookline.Cli.Commands;

// The hook path skips System.CommandLine: it runs per tool call and must start fast, and stdin/stdout are the agent's
// protocol there.
if (args.Length > 0 && args[0] == "hook")
{
    return HookEntry.Run(args[1..]);
}

return await HooklineCli.Create().Parse(args).InvokeAsync();
