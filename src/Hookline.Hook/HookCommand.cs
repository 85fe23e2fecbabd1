using Hookline.Hook.Internal;

namespace Hookline.Hook;

/// <summary>
/// <c>hookline hook --agent NAME --event EVENT [--socket PATH]</c>: forwards stdin to the local sidecar and relays its
/// answer (exit code, stdout, stderr). When the sidecar is unreachable or fails, applies HOOKLINE_FAIL_MODE.
/// </summary>
public static class HookCommand
{
    /// <summary>Runs one hook exchange against fds 0, 1 and 2.</summary>
    /// <param name="args">The arguments after the program name, e.g. <c>--agent claude --event pre-tool-use</c>.</param>
    /// <returns>The process exit code: the sidecar's, or the fail mode's (2 blocks), or 2 for a usage error.</returns>
    public static int Run(string[] args)
    {
        if (!HookArguments.TryParse(args, out var arguments, out var problem))
        {
            // Exit 2 so that a miswired hook blocks rather than silently allows.
            FdOutput.WriteErrorLine("hookline: " + problem + "; " + HookArguments.Usage);
            return 2;
        }
        var settings = HookSettings.From(arguments);
        var request = RequestFrame.ReadFromStdin(arguments.Agent, arguments.Event);

        SidecarFailure failure;
        var payload = settings.SocketPath is null
            ? Unconfigured(out failure)
            : SidecarClient.Exchange(settings.SocketPath, request.Bytes, settings.TimeoutMs, out failure);

        if (payload is not null)
        {
            if (ReplyFrame.TryParse(payload, out var reply, out var malformed))
            {
                FdOutput.WriteAll(Libc.StdoutFd, reply.Stdout);
                FdOutput.WriteAll(Libc.StderrFd, reply.Stderr);
                return reply.ExitCode;
            }
            failure = SidecarFailure.Failed(malformed);
        }
        return FailModeDecision.Apply(arguments, settings, request, failure);
    }

    private static byte[]? Unconfigured(out SidecarFailure failure)
    {
        failure = SidecarFailure.Unreachable("no socket given: set HOOKLINE_SOCKET or pass --socket");
        return null;
    }
}
