using System.CommandLine;
using Hookline.Cli.Output;
using Hookline.Sidecar;

namespace Hookline.Cli.Hosting;

/// <summary>
/// <c>hookline install</c>'s part for the per-user sidecar: <c>--server URL</c> and <c>--token-file PATH</c> are checked
/// before any hook is installed, then recorded in the user's configuration (<see cref="DaemonConfig"/>).
/// <c>uninstall</c> keeps that file: other agents' hooks, the systemd unit, or the next install may still use it.
/// </summary>
internal static class DaemonConfigStep
{
    internal sealed record Request(string? Server, string? TokenFile);

    /// <summary>The request, or null after saying on stderr why it cannot be recorded (nothing is changed then).</summary>
    public static Request? Check(ParseResult parse, string? server, string? tokenFile)
    {
        if (server is not null && DaemonConfig.InvalidServer(server) is { } invalid)
        {
            return Refuse(parse, invalid);
        }
        if (tokenFile is not null)
        {
            // Recorded as an absolute path: the daemon may start anywhere (a hook's working directory, systemd's /).
            tokenFile = Path.GetFullPath(tokenFile);
            if (!File.Exists(tokenFile))
            {
                return Refuse(parse, $"--token-file {tokenFile}: no such file");
            }
        }
        var path = DaemonConfigFile.DefaultPath();
        if ((server ?? tokenFile) is not null)
        {
            try
            {
                DaemonConfig.Trust(path);
            }
            catch (ArgumentException ex)
            {
                return Refuse(parse, ex.Message);
            }
        }
        return new Request(server, tokenFile);
    }

    /// <summary>Records the request (if it holds anything) and says where the hooks' sidecar takes its server from.</summary>
    public static bool Record(ParseResult parse, Request request)
    {
        var path = DaemonConfigFile.DefaultPath();
        if ((request.Server ?? request.TokenFile) is null)
        {
            parse.Out().WriteLine(DaemonConfig.Exists(path)
                ? $"They reach the per-user sidecar, which takes its server from {path}: run `hookline sidecar --daemon`, or let a hook start it."
                : "They reach the per-user sidecar: run `hookline sidecar --daemon`, or let a hook start it. No server is recorded: "
                  + "it uses http://127.0.0.1:7420 unless you install with --server URL.");
            return true;
        }
        try
        {
            var (written, warning) = DaemonConfig.Record(request.Server, request.TokenFile);
            if (warning is not null)
            {
                parse.Error().WriteLine("hookline install: warning: " + warning);
            }
            path = written;
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or UnauthorizedAccessException)
        {
            parse.Error().WriteLine($"hookline install: the hooks are installed, but the server could not be recorded: {ex.Message}");
            return false;
        }
        if (request.Server is { } server && DaemonConfig.Cleartext(server))
        {
            parse.Error().WriteLine($"hookline install: warning: {server} is plain http:// beyond loopback: events and any token cross the network unencrypted; use https://");
        }
        var what = request.Server is null ? "the token file" : $"the server {request.Server}" + (request.TokenFile is null ? "" : " and the token file");
        parse.Out().WriteLine($"Recorded {what} in {path}: the per-user sidecar reads it however it starts (by hand, systemd, or a hook on demand).");
        parse.Out().WriteLine(File.Exists(HooklineDaemon.DefaultSocketPath())
            ? "If the per-user sidecar is running now, it keeps its old server until it restarts (stop it; the next hook starts it again)."
            : "They reach the per-user sidecar: run `hookline sidecar --daemon`, or let a hook start it.");
        return true;
    }

    /// <summary>After uninstall: the configuration stays, and the user is told where.</summary>
    public static void Kept(ParseResult parse)
    {
        if (DaemonConfig.Exists(DaemonConfigFile.DefaultPath()))
        {
            parse.Out().WriteLine($"Kept {DaemonConfigFile.DefaultPath()} (the per-user sidecar's server); remove it once no agent uses the sidecar.");
        }
    }

    private static Request? Refuse(ParseResult parse, string why)
    {
        parse.Error().WriteLine($"hookline install: {why}; nothing was changed.");
        return null;
    }
}
