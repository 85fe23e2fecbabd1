using System.CommandLine;
using Hookline.Cli.Commands;
using Hookline.Cli.Output;
using Hookline.Sidecar;

namespace Hookline.Cli.Hosting;

/// <summary>
/// <c>hookline doctor</c>'s checks of the per-user sidecar's configuration: is a server recorded (when installed hooks
/// rely on the sidecar), may the file be trusted, and does the server it names answer, reached as the sidecar reaches it
/// (the same flags, environment and file, merged by the same code).
/// </summary>
internal static class DaemonConfigCheck
{
    private const string Check = "sidecar config";
    private const string ServerCheck = "sidecar server";
    private const string InstallFix = "hookline install --agent NAME --server URL [--token-file FILE]";

    public static async Task<IReadOnlyList<Finding>> RunAsync(bool hooksInstalled, CancellationToken cancellationToken)
    {
        var path = DaemonConfigFile.DefaultPath();
        if (!DaemonConfig.Exists(path))
        {
            return hooksInstalled
                ? [new Finding(Check, Status.Warning,
                    $"no server recorded in {path}: the per-user sidecar a hook starts uses "
                    + (Environment.GetEnvironmentVariable("HOOKLINE_SERVER") is { Length: > 0 } env ? $"$HOOKLINE_SERVER ({env}) if the agent has it, else " : "")
                    + "http://127.0.0.1:7420", InstallFix)]
                : [];
        }
        var sidecar = SidecarCommand.Create();
        var config = sidecar.Options.OfType<Option<string?>>().Single(o => o.Name == "--config");
        ParseResult parse;
        try
        {
            parse = DaemonConfig.Apply(sidecar.Parse(["--daemon"]), sidecar, config);
        }
        catch (ArgumentException ex)
        {
            return [new Finding(Check, Status.Broken, ex.Message, $"fix or remove {path}, then {InstallFix}")];
        }
        var options = new SidecarOptions
        {
            ServerUrls = parse.GetValue<string[]>("--server")!,
            Token = parse.GetValue<string?>("--token-file") ?? parse.GetValue<string?>("--token")
                ?? (Environment.GetEnvironmentVariable("HOOKLINE_TOKEN") is { Length: > 0 } token ? token : null),
            CaFile = parse.GetValue<string?>("--ca"),
            ClientCertificateFile = parse.GetValue<string?>("--client-cert"),
            ClientKeyFile = parse.GetValue<string?>("--client-key"),
        };
        var server = options.ServerUrls[0];
        var recorded = new Finding(Check, Status.Ok, $"{path} is this user's and no one else may write it; the per-user sidecar uses {server}"
            + (parse.GetValue<string?>("--token-file") is null ? "" : " with its token file"), null);
        string? problem;
        try
        {
            problem = await HooklineDaemon.ProbeServerAsync(options, TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (ArgumentException ex)
        {
            problem = ex.Message;
        }
        return
        [
            recorded,
            problem is null
                ? new Finding(ServerCheck, Status.Ok, $"{server} answers the per-user sidecar's calls", null)
                : new Finding(ServerCheck, Status.Broken, problem, $"start the server {server}, or record the right one: {InstallFix}"),
        ];
    }
}
