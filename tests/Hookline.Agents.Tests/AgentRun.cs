using System.Diagnostics;
using System.Text.Json;
using Xunit.Abstractions;

namespace Hookline.Agents.Tests;

/// <summary>
/// One real agent client run against the fake model API, in a temp directory that is its HOME, TMPDIR and XDG dirs.
/// As root the run happens in a new network namespace that has only loopback (<c>unshare -n</c>): the launcher, the
/// fake API, Hookline and the client all live there, and nothing can reach the outside.
/// </summary>
internal sealed class AgentRun : IDisposable
{
    public const string Policy = """
        version: 1
        default: allow
        rules:
          - id: no-forbidden
            effect: deny
            match: "Bash(touch *forbidden*)"
            reason: "hookline-test: forbidden files stay unmade"
          - id: confirm-ask
            effect: ask
            match: "Bash(touch *ask-me*)"
            reason: "hookline-test: a person must confirm"
          - id: allow-touch
            effect: allow
            match: "Bash(touch *allowed*)"
          - id: project-writes
            effect: allow
            match: "Edit(./**)"   # an allow covers a command only when the files it writes are allowed too
        """;

    /// <summary>Bounds one client run; generous, because this machine's cores are shared.</summary>
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(6);

    private readonly ITestOutputHelper _output;

    /// <summary>The repository's artifacts, unless the checkout itself sits below the shared temp directory.</summary>
    private static string RunsRoot()
    {
        var temp = Path.GetFullPath(Path.GetTempPath()).TrimEnd('/') + "/";
        if (!(Path.GetFullPath(Repository.Root).TrimEnd('/') + "/").StartsWith(temp, StringComparison.Ordinal))
        {
            return Path.Combine(Repository.Root, "artifacts", "agent-runs");
        }
        var home = System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        var root = Path.Combine(home, ".cache", "hookline-agent-runs");
        System.IO.Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return root;
    }

    public AgentRun(ITestOutputHelper output)
    {
        _output = output;
        // Not under /tmp: Gemini CLI ignores a settings file below a directory that others may write to.
        Directory = Path.Combine(RunsRoot(), "hl-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var sub in new[] { "home", "tmp", "proj", "data", "state", "run" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(Directory, sub));
        }
        File.WriteAllText(PolicyFile, Policy);
        Environment["HOME"] = Home;
        Environment["TMPDIR"] = Path.Combine(Directory, "tmp");
        Environment["XDG_DATA_HOME"] = Path.Combine(Directory, "data");
        Environment["XDG_STATE_HOME"] = Path.Combine(Directory, "state");
        Environment["XDG_RUNTIME_DIR"] = Path.Combine(Directory, "run");
        Environment["HOOKLINE_ORPHAN_FILE"] = Path.Combine(Directory, "run", "orphans.jsonl");
    }

    public string Directory { get; }

    public string Home => Path.Combine(Directory, "home");

    public string Project => Path.Combine(Directory, "proj");

    public string PolicyFile => Path.Combine(Directory, "policy.yaml");

    public string DataDirectory => Path.Combine(Directory, "data", "hookline");

    public string RequestLog => Path.Combine(Directory, "requests.jsonl");

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>The three scripted shell commands: one the policy denies, one it asks about, one it allows.</summary>
    public string Denied => $"touch {Project}/forbidden.txt";

    public string Asked => $"touch {Project}/ask-me.txt";

    public string Allowed => $"touch {Project}/allowed.txt";

    public string Stdout { get; private set; } = "";

    public string Stderr { get; private set; } = "";

    public int ExitCode { get; private set; }

    public static bool Isolated { get; } = IsRoot() && File.Exists("/usr/bin/unshare");

    public bool Exists(string file) => File.Exists(Path.Combine(Project, file));

    /// <summary>Runs the client: <paramref name="command"/> is the program and its arguments (<c>{API_URL}</c> is replaced).</summary>
    /// <param name="stopMarker">For a client that lingers after its last turn: stop the process whose command line holds this.</param>
    /// <param name="alongside">
    /// Runs while the client does (an approver answering its hook), started once the launcher runs; awaited after the
    /// client exits, so that its failure fails the test.
    /// </param>
    public async Task RunAsync(IReadOnlyList<string> toolCommands, IReadOnlyList<string> command, string? stopMarker = null,
        Func<Task>? alongside = null)
    {
        var start = new ProcessStartInfo(Isolated ? "/usr/bin/unshare" : "dotnet")
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Project,
        };
        if (Isolated)
        {
            foreach (var arg in new[] { "-n", "--", "dotnet" })
            {
                start.ArgumentList.Add(arg);
            }
        }
        else
        {
            _output.WriteLine("NOT ISOLATED: not root, so the client runs without a network namespace of its own");
        }
        var stdoutFile = Path.Combine(Directory, "client.stdout");
        var stderrFile = Path.Combine(Directory, "client.stderr");
        var launcher = new List<string>
        {
            AgentClients.Launcher, "launch", "--requests", RequestLog, "--stdout", stdoutFile, "--stderr", stderrFile,
            "--timeout-s", ((int)RunTimeout.TotalSeconds - 30).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (Isolated)
        {
            launcher.Add("--netns");
        }
        foreach (var tool in toolCommands)
        {
            launcher.AddRange(["--tool-command", tool]);
        }
        if (stopMarker is not null)
        {
            launcher.AddRange(["--stop-marker", stopMarker, "--stop-grace-s", "15"]);
        }
        launcher.Add("--");
        launcher.AddRange(command);
        foreach (var arg in launcher)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (key, value) in Environment)
        {
            start.Environment[key] = value;
        }
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        // unshare execs the launcher: this process is in the client's network namespace.
        LauncherPid = process.Id;
        var launcherOut = process.StandardOutput.ReadToEndAsync();
        var launcherErr = process.StandardError.ReadToEndAsync();
        var beside = alongside is null ? Task.CompletedTask : Task.Run(alongside);
        using var timeout = new CancellationTokenSource(RunTimeout);
        await process.WaitForExitAsync(timeout.Token);
        ExitCode = process.ExitCode;
        Stdout = File.Exists(stdoutFile) ? await File.ReadAllTextAsync(stdoutFile) : "";
        Stderr = File.Exists(stderrFile) ? await File.ReadAllTextAsync(stderrFile) : "";
        _output.WriteLine($"{string.Join(' ', command.Take(3))}... exited {ExitCode} after {watch.Elapsed.TotalSeconds:F1} s (isolated: {Isolated})");
        _output.WriteLine("launcher: " + await launcherOut + await launcherErr);
        _output.WriteLine("client stderr (tail): " + Tail(Stderr));
        _output.WriteLine("client stdout (tail): " + Tail(Stdout));
        await beside;
    }

    /// <summary>The launcher of the run in progress: its network namespace is the client's.</summary>
    public int LauncherPid { get; private set; }

    /// <summary>What the client (or <c>hookline start</c>) has printed on stderr so far.</summary>
    public string LiveStderr()
    {
        var live = Path.Combine(Directory, "client.stderr.live");
        if (!File.Exists(live))
        {
            return "";
        }
        using var reader = new StreamReader(new FileStream(live, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Runs <c>hookline ARGS</c> inside the running client's network namespace (where <c>hookline start</c>'s server
    /// listens on loopback), with the run's environment and <paramref name="environment"/>.
    /// </summary>
    public Task<(int Exit, string Stdout, string Stderr)> HooklineBesideClientAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        HooklineAsync(Isolated ? ["/usr/bin/nsenter", $"--net=/proc/{LauncherPid}/ns/net", "--"] : [], environment, args);
    /// <summary>The arguments of <c>hookline start</c> that wire <paramref name="agent"/> with the test policy.</summary>
    public IReadOnlyList<string> Start(string agent, params string[] agentArgs) =>
    [
        AgentClients.Hookline, "start", "--agent", agent, "--policy", PolicyFile, "--agent-command", AgentClients.Client(agent), "--", .. agentArgs,
    ];

    /// <summary><c>hookline install --agent NAME --scope user</c> into this run's HOME (and CODEX_HOME).</summary>
    /// <remarks>For Codex, install asks the client itself for its hooks' trust hashes: it runs in a loopback-only namespace too.</remarks>
    /// <param name="extra">More arguments of install (<c>--server URL</c>, <c>--token-file F</c>).</param>
    public async Task InstallAsync(string agent, params string[] extra)
    {
        var (exit, stdout, stderr) = await HooklineAsync(Isolated, ["install", "--agent", agent, "--scope", "user", "--agent-command", AgentClients.Client(agent), .. extra]);
        _output.WriteLine("hookline install: " + stdout + stderr);
        Assert.True(exit == 0, "hookline install failed: " + stderr);
    }

    public async Task UninstallAsync(string agent)
    {
        var (exit, stdout, stderr) = await HooklineAsync("uninstall", "--agent", agent, "--scope", "user");
        _output.WriteLine("hookline uninstall: " + stdout + stderr);
        Assert.True(exit == 0, "hookline uninstall failed: " + stderr);
    }

    /// <summary>A socket path nothing listens on: the sidecar is down.</summary>
    public string DeadSocket => Path.Combine(Directory, "run", "no-sidecar.sock");

    /// <summary>The hook's own records of decisions it made without a sidecar.</summary>
    public string Orphans => File.Exists(Environment["HOOKLINE_ORPHAN_FILE"]) ? File.ReadAllText(Environment["HOOKLINE_ORPHAN_FILE"]) : "";

    /// <summary>The bytes of the given files (absent: null), to show a run left the user's settings as they were.</summary>
    public static Dictionary<string, byte[]?> Snapshot(params string[] files) =>
        files.ToDictionary(f => f, f => File.Exists(f) ? File.ReadAllBytes(f) : null);

    public static void AssertUnchanged(Dictionary<string, byte[]?> before)
    {
        foreach (var (file, bytes) in before)
        {
            var now = File.Exists(file) ? File.ReadAllBytes(file) : null;
            Assert.True(bytes is null ? now is null : now is not null && bytes.AsSpan().SequenceEqual(now), $"{file} changed");
        }
    }

    /// <summary>Runs <c>hookline ARGS</c> with the run's environment, in its project directory.</summary>
    public Task<(int Exit, string Stdout, string Stderr)> HooklineAsync(params string[] args) => HooklineAsync(false, args);

    private Task<(int Exit, string Stdout, string Stderr)> HooklineAsync(bool isolated, params string[] args) =>
        HooklineAsync(isolated ? ["/usr/bin/unshare", "-n", "--"] : [], new Dictionary<string, string>(), args);

    /// <param name="wrapper">A program and its arguments that run hookline (in a network namespace), or none.</param>
    private async Task<(int Exit, string Stdout, string Stderr)> HooklineAsync(string[] wrapper, IReadOnlyDictionary<string, string> environment, string[] args)
    {
        var start = wrapper.Length > 0
            ? new ProcessStartInfo(wrapper[0], [.. wrapper[1..], AgentClients.Hookline, .. args])
            : new ProcessStartInfo(AgentClients.Hookline, args);
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.WorkingDirectory = Project;
        foreach (var (key, value) in Environment.Concat(environment))
        {
            start.Environment[key] = value;
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Every request body the fake model API received.</summary>
    public IReadOnlyList<string> ModelRequests() => File.Exists(RequestLog)
        ? File.ReadAllLines(RequestLog).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("body").GetString() ?? "").ToList()
        : [];

    /// <summary>The audit trail, read with <c>hookline events --data DIR --json</c>.</summary>
    public async Task<IReadOnlyList<JsonElement>> EventsAsync()
    {
        var (exit, stdout, stderr) = await HooklineAsync("events", "--data", DataDirectory, "--json");
        Assert.True(exit == 0, "hookline events failed: " + stderr);
        var events = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        foreach (var e in events)
        {
            _output.WriteLine($"event: {e.GetProperty("hook_event").GetString()} {e.GetProperty("tool_name").GetString()} {e.GetProperty("applied").GetString()} {e.GetProperty("source").GetString()} {e.GetProperty("tool_input").GetString()}");
        }
        return events;
    }

    private static string Tail(string text) => text.Length <= 1500 ? text : text[^1500..];

    private static bool IsRoot()
    {
        var status = File.Exists("/proc/self/status") ? File.ReadAllLines("/proc/self/status") : [];
        return status.FirstOrDefault(l => l.StartsWith("Uid:", StringComparison.Ordinal))?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, "0", ..];
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
