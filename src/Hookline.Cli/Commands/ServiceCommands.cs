using System.CommandLine;
using System.Diagnostics;
using Hookline.Cli.Hosting;
using Hookline.Cli.Output;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline sidecar install-service | uninstall-service</c>: the per-user daemon as a systemd user service, so it
/// runs again after a reboot. Where systemd is absent the hook starts the daemon on demand instead.
/// </summary>
internal static class ServiceCommands
{
    public const string UnitName = "hookline-sidecar.service";

    public static Command Install()
    {
        var server = new Option<string?>("--server")
        {
            Description = "The server the daemon talks to (default: $HOOKLINE_SERVER, else the one `hookline install --server` recorded, read at every start)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HOOKLINE_SERVER") is { Length: > 0 } fromEnvironment ? fromEnvironment : null,
        };
        var enable = new Option<bool>("--enable") { Description = "Also run systemctl --user daemon-reload and enable --now" };
        var command = new Command("install-service", $"Write the systemd user unit ~/.config/systemd/user/{UnitName} for the per-user daemon")
        {
            server, enable,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = UnitPath();
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, Unit(Environment.ProcessPath ?? "hookline", parse.GetValue(server)), cancellationToken);
            parse.Out().WriteLine($"wrote {path}");
            if (parse.GetValue(server) is null)
            {
                parse.Out().WriteLine(File.Exists(Sidecar.DaemonConfigFile.DefaultPath())
                    ? $"the daemon reads its server from {Sidecar.DaemonConfigFile.DefaultPath()} at every start"
                    : $"no server recorded yet: the daemon uses http://127.0.0.1:7420 until `hookline install --server URL` writes {Sidecar.DaemonConfigFile.DefaultPath()}");
            }
            if (!SystemdRuns())
            {
                parse.Out().WriteLine("systemd is not running here: hooks start the daemon on demand instead (see docs/architecture.md).");
                return 0;
            }
            if (!parse.GetValue(enable))
            {
                parse.Out().WriteLine($"to start it now and after every login: systemctl --user daemon-reload && systemctl --user enable --now {UnitName}");
                return 0;
            }
            return Systemctl(parse, "daemon-reload") && Systemctl(parse, "enable", "--now", UnitName) ? 0 : 1;
        });
        return command;
    }

    public static Command Uninstall()
    {
        var command = new Command("uninstall-service", $"Disable and remove the systemd user unit {UnitName}");
        command.SetAction(parse =>
        {
            var path = UnitPath();
            if (SystemdRuns() && File.Exists(path))
            {
                Systemctl(parse, "disable", "--now", UnitName);
            }
            if (File.Exists(path))
            {
                File.Delete(path);
                parse.Out().WriteLine($"removed {path}");
            }
            return 0;
        });
        return command;
    }

    /// <summary><c>$XDG_CONFIG_HOME/systemd/user/</c>, else <c>~/.config/systemd/user/</c>.</summary>
    public static string UnitPath() => Path.Combine(Sidecar.DaemonConfigFile.ConfigHome(), "systemd", "user", UnitName);

    /// <summary>The unit; without <paramref name="server"/> the daemon reads the user's configuration at every start.</summary>
    public static string Unit(string hookline, string? server) => $"""
        [Unit]
        Description=Hookline per-user sidecar: policy decisions for AI coding agents' hooks

        [Service]
        Type=simple
        ExecStart={HookEntry.Quote(hookline)} sidecar --daemon{(server is null ? "" : " --server " + server)} --log-level Warning
        Restart=on-failure
        RestartSec=1
        # The daemon starts no agent: whatever it creates (spool, state) is for this user only.
        UMask=0077

        [Install]
        WantedBy=default.target

        """;

    /// <summary>The same test sd_booted() makes.</summary>
    public static bool SystemdRuns() => Directory.Exists("/run/systemd/system");

    private static bool Systemctl(ParseResult parse, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("systemctl", ["--user", .. args]) { UseShellExecute = false })!;
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
                return false;
            }
            if (process.ExitCode != 0)
            {
                parse.Error().WriteLine($"hookline: systemctl --user {string.Join(' ', args)} exited with {process.ExitCode}");
            }
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            parse.Error().WriteLine($"hookline: cannot run systemctl: {ex.Message}");
            return false;
        }
    }
}
