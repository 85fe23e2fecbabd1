using System.Diagnostics.CodeAnalysis;

namespace Hookline.Hook.Internal;

/// <summary>
/// <c>--agent NAME --event EVENT [--socket PATH] [--approval-wait]</c>; <c>--name=value</c> is accepted too.
/// <c>--approval-wait</c> says the agent was given a timeout long enough to wait for a person (the wiring writes it with
/// that timeout); without it the hook asks the sidecar for no approval wait, as an older wiring's short timeout would
/// kill the hook while it waited.
/// </summary>
internal sealed record HookArguments(string Agent, string Event, string? SocketPath, bool ApprovalWait = false)
{
    internal const string Usage = "usage: hookline-hook --agent NAME --event EVENT [--socket PATH] [--approval-wait]";


    /// <summary>Parses the arguments; on failure <paramref name="problem"/> names what is wrong.</summary>
    internal static bool TryParse(string[] args, [NotNullWhen(true)] out HookArguments? parsed, out string problem)
    {
        parsed = null;
        string? agent = null, hookEvent = null, socket = null;
        var approvalWait = false;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == HookCommand.ApprovalWaitFlag)
            {
                approvalWait = true;
                continue;
            }
            string? value = null;
            var equals = name.IndexOf('=');
            if (name.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            if (name is not ("--agent" or "--event" or "--socket"))
            {
                problem = "unknown argument '" + Printable.Of(args[i]) + "'";
                return false;
            }
            if (value is null)
            {
                if (i + 1 >= args.Length)
                {
                    problem = name + " needs a value";
                    return false;
                }
                value = args[++i];
            }
            switch (name)
            {
                case "--agent": agent = value; break;
                case "--event": hookEvent = value; break;
                default: socket = value; break;
            }
        }
        if (!IsValidName(agent, "--agent", out problem) || !IsValidName(hookEvent, "--event", out problem))
        {
            return false;
        }
        parsed = new HookArguments(agent!, hookEvent!, string.IsNullOrEmpty(socket) ? null : socket, approvalWait);
        return true;
    }

    /// <summary>Agent and event travel as u8-length ASCII in the frame, so they must fit that.</summary>
    private static bool IsValidName(string? value, string option, out string problem)
    {
        if (value is null)
        {
            problem = option + " is required";
            return false;
        }
        if (value.Length is 0 or > byte.MaxValue)
        {
            problem = option + " must be 1 to 255 characters";
            return false;
        }
        foreach (var c in value)
        {
            if (c is < '!' or > '~')
            {
                problem = option + " must be printable ASCII without spaces";
                return false;
            }
        }
        problem = "";
        return true;
    }
}
