using System.Diagnostics;
using System.Text.Json;

namespace Hookline.EndToEnd.Tests;

/// <summary>
/// The per-user sidecar's configuration with the real binaries: <c>hookline install --server</c> records it in
/// <c>~/.config/hookline/sidecar.yaml</c>, and the daemon reads it however it starts (by hand, the systemd unit, a hook
/// on demand); flags and the environment win; a file another user could have written is refused; doctor reports it.
/// </summary>
public sealed class DaemonConfigTests : IAsyncLifetime
{
    private const uint Nobody = 65534;
    private ProcessStack _stack = null!;

    private string Home => Path.Combine(_stack.Directory, "home");

    private string RuntimeDirectory => Path.Combine(_stack.Directory, "rt");

    private string ConfigFile => Path.Combine(Home, ".config", "hookline", "sidecar.yaml");

    /// <summary>
    /// An agent's environment for installed hooks: its own HOME, no HOOKLINE_SOCKET and, unlike DaemonTests, no
    /// HOOKLINE_SERVER: only the recorded configuration can tell the daemon where the server is.
    /// </summary>
    private Dictionary<string, string> Env => new()
    {
        ["HOME"] = Home,
        ["XDG_CONFIG_HOME"] = "",
        ["HOOKLINE_SERVER"] = "",
        ["HOOKLINE_TOKEN"] = "",
        ["XDG_RUNTIME_DIR"] = RuntimeDirectory,
        ["XDG_STATE_HOME"] = Path.Combine(_stack.Directory, "state"),
        ["HOOKLINE_ORPHAN_FILE"] = Path.Combine(_stack.Directory, "orphans.jsonl"),
        // Generous: the first hook also pays for the daemon's start and its first connection on a busy machine.
        ["HOOKLINE_HOOK_TIMEOUT_MS"] = "30000",
    };

    public async Task InitializeAsync()
    {
        _stack = await ProcessStack.StartAsync(withSidecar: false);
        Directory.CreateDirectory(Home);
    }

    public async Task DisposeAsync()
    {
        await StopDaemonAsync();
        await _stack.DisposeAsync();
    }

    private Task StopDaemonAsync() => DaemonLock.StopAsync(Path.Combine(RuntimeDirectory, "hookline", "sidecar.lock"));

    private Task<(int Exit, string Stdout, string Stderr)> HooklineAsync(params string[] args) => CliRun.RunAsync(args, Env);

    private async Task InstallAsync(params string[] extra)
    {
        var run = await HooklineAsync(["install", "--agent", "claude", .. extra]);
        Assert.True(run.Exit == 0, run.Stdout + run.Stderr);
    }

    /// <summary>A hook of a fresh agent session asks about <c>git status</c>, which only the server's policy allows.</summary>
    private async Task<HookRun> AskAsync(Dictionary<string, string>? env = null) =>
        await HookRun.SpawnAsync(null, "pre-tool-use", HookRun.Bash("git status").Replace("3982e839-f0d1-4fef-886f-7146ed1dad82", Guid.NewGuid().ToString()),
            environment: env ?? Env);

    [Fact]
    public async Task Install_records_the_server_and_token_path_0600_in_a_0700_directory_and_again_updates_it_keeping_the_rest()
    {
        var token = Path.Combine(_stack.Directory, "sidecar.token");
        await File.WriteAllTextAsync(token, "the-secret-token\n");

        await InstallAsync("--server", _stack.ServerUrl, "--token-file", token);

        var text = await File.ReadAllTextAsync(ConfigFile);
        Assert.Contains($"server: {_stack.ServerUrl}", text);
        Assert.Contains($"token-file: {token}", text);
        Assert.DoesNotContain("the-secret-token", text);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(ConfigFile)!));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(ConfigFile)!, ".*.tmp"));

        // A key the user added by hand survives; a new --server replaces the old; the token file stays recorded.
        await File.AppendAllTextAsync(ConfigFile, "budget-ms: 20\n");
        await InstallAsync("--server", "http://127.0.0.1:9");
        var updated = await File.ReadAllBytesAsync(ConfigFile);
        await InstallAsync("--server", "http://127.0.0.1:9");

        var again = await File.ReadAllTextAsync(ConfigFile);
        Assert.Equal(updated, await File.ReadAllBytesAsync(ConfigFile));
        Assert.Contains("server: http://127.0.0.1:9", again);
        Assert.DoesNotContain(_stack.ServerUrl, again);
        Assert.Contains($"token-file: {token}", again);
        Assert.Contains("budget-ms: 20", again);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigFile));
    }

    [Fact]
    public async Task A_bad_server_or_a_missing_token_file_is_refused_before_any_hook_is_installed()
    {
        var url = await HooklineAsync("install", "--agent", "claude", "--server", "127.0.0.1:7420");
        var token = await HooklineAsync("install", "--agent", "claude", "--server", _stack.ServerUrl, "--token-file", "/nonexistent/token");

        Assert.Equal(2, url.Exit);
        Assert.Contains("http(s)://HOST:PORT or unix:/PATH; nothing was changed", url.Stderr);
        Assert.Equal(2, token.Exit);
        Assert.Contains("--token-file /nonexistent/token: no such file; nothing was changed", token.Stderr);
        Assert.False(File.Exists(Path.Combine(Home, ".claude", "settings.json")));
        Assert.False(File.Exists(ConfigFile));
    }

    /// <summary>The sidecar takes an http:// server beyond loopback as --server does; install records it, and warns.</summary>
    [Fact]
    public async Task A_plain_http_server_beyond_loopback_is_recorded_with_a_warning()
    {
        var run = await HooklineAsync("install", "--agent", "claude", "--server", "http://192.0.2.10:7420");
        var loopback = await HooklineAsync("install", "--agent", "claude", "--server", "http://[::1]:7420");

        Assert.True(run.Exit == 0, run.Stderr);
        Assert.Contains("http://192.0.2.10:7420 is plain http:// beyond loopback: events and any token cross the network unencrypted; use https://", run.Stderr);
        Assert.True(loopback.Exit == 0, loopback.Stderr);
        Assert.DoesNotContain("beyond loopback", loopback.Stderr);
        Assert.Contains("server: http://[::1]:7420", await File.ReadAllTextAsync(ConfigFile));
    }

    /// <summary>The reported bug: after a restart the hook started the daemon without any server, and blocked everything.</summary>
    [Fact]
    public async Task The_daemon_a_hook_starts_on_demand_reaches_the_recorded_server()
    {
        await InstallAsync("--server", _stack.ServerUrl);

        var denied = await HookRun.SpawnAsync(null, "pre-tool-use", HookRun.Bash("rm -rf /home"), environment: Env);
        var allowed = await AskAsync();

        Assert.True(denied.ExitCode == 0, denied.Stderr);
        Assert.Equal("deny", denied.PermissionDecision);
        Assert.Contains("Recursive force delete is blocked", denied.Stdout);
        Assert.True(allowed.ExitCode == 0, allowed.Stderr);
        Assert.Equal("allow", allowed.PermissionDecision);
        await Eventually.TrueAsync(async () => await _stack.CountAsync("hook_event = 'PreToolUse' AND applied_verdict = 'allow'") == 1,
            Bound.Hang, () => "the server did not store the allowed call the on-demand daemon sent it");
    }

    [Fact]
    public async Task A_server_flag_or_HOOKLINE_SERVER_wins_over_the_recorded_server()
    {
        await InstallAsync("--server", $"http://127.0.0.1:{Ports.Free()}");
        var withEnvironment = Env;
        withEnvironment["HOOKLINE_SERVER"] = _stack.ServerUrl;

        await using (var fromEnvironment = ChildProcess.Start(Artifacts.Hookline, ["sidecar", "--daemon"], withEnvironment))
        {
            await fromEnvironment.WaitForLineAsync("HOOKLINE_DAEMON_SOCKET=", TimeSpan.FromSeconds(60));
            Assert.Equal("allow", (await AskAsync()).PermissionDecision);
        }
        await StopDaemonAsync();
        await using var byHand = ChildProcess.Start(Artifacts.Hookline, ["sidecar", "--daemon", "--server", _stack.ServerUrl], Env);
        await byHand.WaitForLineAsync("HOOKLINE_DAEMON_SOCKET=", TimeSpan.FromSeconds(60));
        var fromFlag = await AskAsync();

        Assert.Equal("allow", fromFlag.PermissionDecision);
    }

    /// <summary>
    /// One variable in an agent's environment (a project's settings, its .env, direnv) must not send the user's
    /// recorded token elsewhere: a server named by $HOOKLINE_SERVER or a flag gets none of the file's credentials.
    /// A raw TCP listener stands in for that server and keeps every byte the daemon sends it.
    /// </summary>
    [Theory]
    [InlineData("environment")]
    [InlineData("flag")]
    public async Task A_server_from_the_environment_or_a_flag_gets_none_of_the_recorded_credentials(string source)
    {
        const string Secret = "recorded-token-4f1c9a";
        var tokenFile = Path.Combine(_stack.Directory, "sidecar.token");
        await File.WriteAllTextAsync(tokenFile, Secret);
        File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await InstallAsync("--server", _stack.ServerUrl, "--token-file", tokenFile);
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var elsewhere = $"http://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}";
        var env = Env;
        string[] args = ["sidecar", "--daemon"];
        if (source == "environment")
        {
            env["HOOKLINE_SERVER"] = elsewhere;
        }
        else
        {
            args = [.. args, "--server", elsewhere];
        }
        var received = new System.Text.StringBuilder();
        using var stop = new CancellationTokenSource(Bound.Hang);

        await using var daemon = ChildProcess.Start(Artifacts.Hookline, args, env);
        await daemon.WaitForLineAsync("HOOKLINE_DAEMON_SOCKET=", TimeSpan.FromSeconds(60));
        var hookEnv = Env;
        hookEnv["HOOKLINE_AUTOSTART"] = "0";
        hookEnv["HOOKLINE_HOOK_TIMEOUT_MS"] = "3000";
        var hook = AskAsync(hookEnv);
        using var client = await listener.AcceptTcpClientAsync(stop.Token);
        var stream = client.GetStream();
        // An empty HTTP/2 SETTINGS frame, so the client goes on to send its request's headers.
        await stream.WriteAsync(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 }, stop.Token);
        var buffer = new byte[4096];
        while (!received.ToString().Contains("CreateSession", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, stop.Token);
            Assert.True(read > 0, "the daemon closed the connection before it asked for a session: " + received);
            received.Append(System.Text.Encoding.Latin1.GetString(buffer, 0, read));
        }
        await hook;

        Assert.DoesNotContain(Secret, received.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Bearer", received.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_daemon_a_hook_starts_sees_none_of_the_hooks_HOOKLINE_SERVER_and_streams_to_the_recorded_server()
    {
        await InstallAsync("--server", _stack.ServerUrl);
        var projectEnvironment = Env;
        projectEnvironment["HOOKLINE_SERVER"] = $"http://127.0.0.1:{Ports.Free()}";
        projectEnvironment["HOOKLINE_TOKEN"] = "from-a-project";

        var allowed = await AskAsync(projectEnvironment);

        Assert.Equal("allow", allowed.PermissionDecision);
        var pid = await DaemonLock.PidAsync(Path.Combine(RuntimeDirectory, "hookline", "sidecar.lock"));
        var environment = (await File.ReadAllTextAsync($"/proc/{pid}/environ")).Split('\0');
        Assert.DoesNotContain(environment, v => v.StartsWith("HOOKLINE_SERVER=", StringComparison.Ordinal) || v.StartsWith("HOOKLINE_TOKEN=", StringComparison.Ordinal));
        Assert.Contains($"HOME={Home}", environment);
    }

    [Fact]
    public async Task Install_service_without_a_server_writes_a_unit_that_reads_the_recorded_one_at_every_start()
    {
        await InstallAsync("--server", _stack.ServerUrl);

        var run = await HooklineAsync("sidecar", "install-service");

        Assert.True(run.Exit == 0, run.Stderr);
        var unit = await File.ReadAllTextAsync(Path.Combine(Home, ".config", "systemd", "user", "hookline-sidecar.service"));
        Assert.Contains($"ExecStart={Artifacts.Hookline} sidecar --daemon --log-level Warning", unit);
        Assert.Contains($"the daemon reads its server from {ConfigFile} at every start", run.Stdout);
    }

    [Fact]
    public async Task A_file_or_directory_others_may_read_as_git_checks_it_out_or_a_symlink_is_refused_by_the_daemon_install_and_doctor()
    {
        await InstallAsync("--server", _stack.ServerUrl);
        var directory = Path.GetDirectoryName(ConfigFile)!;

        File.SetUnixFileMode(ConfigFile, (UnixFileMode)0b110_100_100);
        var writableFile = await HooklineAsync("sidecar", "--daemon");
        var install = await HooklineAsync("install", "--agent", "gemini", "--server", _stack.ServerUrl);
        var doctor = await HooklineAsync("doctor", "--json", "--agent", "claude", "--server-http", $"http://127.0.0.1:{_stack.HttpPort}");
        File.SetUnixFileMode(ConfigFile, (UnixFileMode)0b110_000_000);
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        var writableDirectory = await HooklineAsync("sidecar", "--daemon");
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_000_000);
        File.Move(ConfigFile, ConfigFile + ".real");
        File.CreateSymbolicLink(ConfigFile, ConfigFile + ".real");
        var symlink = await HooklineAsync("sidecar", "--daemon");

        Assert.Equal(2, writableFile.Exit);
        Assert.Contains($"refusing the per-user sidecar's configuration: {ConfigFile} has mode 644: group or others may access it; chmod 600 {ConfigFile}", writableFile.Stderr);
        Assert.Equal(2, install.Exit);
        Assert.Contains($"group or others may access it; chmod 600 {ConfigFile}; nothing was changed", install.Stderr);
        Assert.False(File.Exists(Path.Combine(Home, ".gemini", "settings.json")), "install went on with an unsafe configuration");
        Assert.Equal(1, doctor.Exit);
        Assert.Equal(("fail", $"refusing the per-user sidecar's configuration: {ConfigFile} has mode 644: group or others may access it; chmod 600 {ConfigFile}"),
            Checks(doctor.Stdout)["sidecar config"]);
        Assert.Equal(2, writableDirectory.Exit);
        Assert.Contains($"{directory} has mode 755: group or others may access it; chmod 700 {directory}", writableDirectory.Stderr);
        Assert.Equal(2, symlink.Exit);
        Assert.Contains($"{ConfigFile} is not a regular file (a symlink is never followed)", symlink.Stderr);
        Assert.False(File.Exists(Path.Combine(RuntimeDirectory, "hookline", "sidecar.sock")), "a daemon started on a refused configuration");
    }

    /// <summary>
    /// Another local user (uid 65534, through setpriv) installs for itself and its file is trusted; a file in its
    /// directory that someone else owns, or a directory someone else made, is refused.
    /// </summary>
    [SkippableFact]
    public async Task A_file_or_directory_owned_by_another_user_is_refused()
    {
        Requires.Root("to act as a second local user through setpriv");
        Requires.Tool("/usr/bin/setpriv", "util-linux switches the uid");
        File.SetUnixFileMode(_stack.Directory, (UnixFileMode)0b111_001_001);
        var home = Path.Combine(_stack.Directory, "nobody");
        Directory.CreateDirectory(home);
        await ChownAsync(home);
        var env = Env;
        env["HOME"] = home;
        env["XDG_RUNTIME_DIR"] = Path.Combine(home, "rt");
        env["XDG_STATE_HOME"] = Path.Combine(home, "state");
        var config = Path.Combine(home, ".config", "hookline", "sidecar.yaml");

        var install = await AsNobodyAsync(env, "install", "--agent", "claude", "--server", _stack.ServerUrl);
        var trusted = await AsNobodyAsync(env, "doctor", "--json", "--agent", "claude", "--server-http", $"http://127.0.0.1:{_stack.HttpPort}");
        // The neighbour (root here) puts a file of its own in the user's place.
        var text = await File.ReadAllTextAsync(config);
        File.Delete(config);
        await File.WriteAllTextAsync(config, text);
        File.SetUnixFileMode(config, (UnixFileMode)0b110_100_100);
        var foreignFile = await AsNobodyAsync(env, "sidecar", "--daemon");
        // Or made the directory first, and the user's own file sits in it.
        File.Delete(config);
        Directory.Delete(Path.GetDirectoryName(config)!);
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        await File.WriteAllTextAsync(config, text);
        await ChownAsync(config);
        var foreignDirectory = await AsNobodyAsync(env, "sidecar", "--daemon");

        Assert.True(install.Exit == 0, install.Stderr);
        Assert.Equal("ok", Checks(trusted.Stdout)["sidecar config"].Status);
        Assert.Equal("ok", Checks(trusted.Stdout)["sidecar server"].Status);
        Assert.Equal(2, foreignFile.Exit);
        Assert.Contains($"{config} belongs to uid 0, not to uid {Nobody}", foreignFile.Stderr);
        Assert.Equal(2, foreignDirectory.Exit);
        Assert.Contains($"{Path.GetDirectoryName(config)} belongs to uid 0, not to uid {Nobody}", foreignDirectory.Stderr);
    }

    [Fact]
    public async Task Doctor_reports_a_missing_configuration_then_a_recorded_server_that_answers_then_one_that_does_not()
    {
        await InstallAsync();
        var missing = Checks((await Doctor()).Stdout);
        await InstallAsync("--server", _stack.ServerUrl);
        var answering = await Doctor();
        await InstallAsync("--server", $"http://127.0.0.1:{Ports.Free()}");
        var unreachable = await Doctor();

        Assert.Equal("warn", missing["sidecar config"].Status);
        Assert.Contains($"no server recorded in {ConfigFile}", missing["sidecar config"].Detail);
        Assert.False(missing.ContainsKey("sidecar server"));
        Assert.True(answering.Exit == 0, answering.Stdout);
        Assert.Equal("ok", Checks(answering.Stdout)["sidecar config"].Status);
        Assert.Equal(("ok", $"{_stack.ServerUrl} answers the per-user sidecar's calls"), Checks(answering.Stdout)["sidecar server"]);
        Assert.Equal(1, unreachable.Exit);
        Assert.Equal("fail", Checks(unreachable.Stdout)["sidecar server"].Status);
        Assert.Contains("Unavailable", Checks(unreachable.Stdout)["sidecar server"].Detail);

        Task<(int Exit, string Stdout, string Stderr)> Doctor() =>
            HooklineAsync("doctor", "--json", "--agent", "claude", "--server-http", $"http://127.0.0.1:{_stack.HttpPort}");
    }

    private static Dictionary<string, (string Status, string Detail)> Checks(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("checks").EnumerateArray()
            .GroupBy(c => c.GetProperty("check").GetString()!)
            .ToDictionary(g => g.Key, g => (g.First().GetProperty("status").GetString()!, g.First().GetProperty("detail").GetString()!));
    }

    private static async Task ChownAsync(string path)
    {
        using var chown = Process.Start("chown", [$"{Nobody}:{Nobody}", path]);
        await chown.WaitForExitAsync();
        Assert.Equal(0, chown.ExitCode);
    }

    private static Task<(int Exit, string Stdout, string Stderr)> AsNobodyAsync(Dictionary<string, string> env, params string[] args) =>
        CliRun.RunAsync(args, env, ["/usr/bin/setpriv", $"--reuid={Nobody}", $"--regid={Nobody}", "--clear-groups"]);
}
