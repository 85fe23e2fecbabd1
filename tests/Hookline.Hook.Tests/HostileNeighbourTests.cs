namespace Hookline.Hook.Tests;

/// <summary>
/// Other local users must never receive a hook's stdin: the hook sends nothing to a socket whose directory is not its
/// user's own 0700 directory, or whose listener is another uid, applies the fail mode at once, and does not start the
/// daemon for it. The attackers here are real processes of other uids (setpriv) where root is available.
/// </summary>
public sealed class HostileNeighbourTests
{
    /// <summary>Far below the timeout given to the hook: proves neither a wait nor the autostart's retry happened.</summary>
    private static readonly TimeSpan AtOnce = TimeSpan.FromSeconds(1);

    private const string TimeoutMs = "4000";

    [SkippableFact]
    public async Task A_squatted_tmp_directory_gets_no_byte_when_the_state_directory_is_short()
    {
        OtherUsers.Require();

        var (result, received, _, _) = await RunAgainstSquatterAsync(home: "/nonexistent-home", autostart: false);

        Assert.Equal(0, received);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("/nonexistent-home/.local/state/hookline/run/sidecar.sock", result.StderrText);
    }

    [SkippableFact]
    public async Task A_squatted_fallback_directory_is_unreachable_at_once_and_starts_no_daemon()
    {
        OtherUsers.Require();

        // A home this deep puts the private socket path past the 108-byte limit: /tmp/hookline-UID/ is the fallback.
        var (result, received, squatted, daemonStarted) = await RunAgainstSquatterAsync(home: "/nonexistent/" + new string('h', 100), autostart: true);

        Assert.Equal(0, received);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("untrusted socket: " + squatted + " belongs to uid " + OtherUsers.Attacker, result.StderrText);
        Assert.True(result.Elapsed < AtOnce, $"took {result.Elapsed}");
        Assert.False(daemonStarted);
    }

    public static TheoryData<string> UntrustedDirectories => new() { "owned by another uid", "mode 755", "a symlink" };

    [SkippableTheory]
    [MemberData(nameof(UntrustedDirectories))]
    public async Task A_socket_in_an_untrusted_directory_gets_no_byte_and_starts_no_daemon(string directory)
    {
        if (directory == "owned by another uid")
        {
            OtherUsers.Require();
        }
        using var hook = new HookCopy();
        using var dir = new TempDir();
        var runtime = dir.File("rt");
        var socketDirectory = Path.Combine(runtime, "hookline");
        Directory.CreateDirectory(runtime);
        var served = Directory.CreateDirectory(directory == "a symlink" ? dir.File("elsewhere") : socketDirectory, (UnixFileMode)0b111_000_000).FullName;
        await using var sidecar = FakeSidecar.Start(Path.Combine(served, "sidecar.sock"), _ => Frames.Reply(0, [], []));
        switch (directory)
        {
            case "owned by another uid":
                await OtherUsers.ChownAsync(socketDirectory, OtherUsers.Attacker);
                break;
            case "mode 755":
                File.SetUnixFileMode(socketDirectory, (UnixFileMode)0b111_101_101);
                break;
            default:
                Directory.CreateSymbolicLink(socketDirectory, served);
                break;
        }

        var result = await RunWithRuntimeDirectoryAsync(hook, runtime);

        Assert.False(sidecar.GotRequest);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("sidecar unreachable: untrusted socket: " + socketDirectory, result.StderrText);
        Assert.True(result.Elapsed < AtOnce, $"took {result.Elapsed}");
        Assert.False(hook.DaemonStarted);
    }

    [SkippableFact]
    public async Task A_socket_served_by_another_uid_in_a_private_directory_gets_no_byte()
    {
        OtherUsers.Require();
        using var hook = new HookCopy();
        using var dir = new TempDir();
        var socketDirectory = Path.Combine(dir.File("rt"), "hookline");
        Directory.CreateDirectory(socketDirectory, (UnixFileMode)0b111_111_111);
        File.SetUnixFileMode(socketDirectory, (UnixFileMode)0b111_111_111);
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(dir.File("rt"), (UnixFileMode)0b111_101_101);
        // The other uid binds and listens while the directory is open to it; then the directory becomes this user's
        // private one again, so only SO_PEERCRED can tell.
        await using var attacker = await ForeignListener.StartAsync(OtherUsers.Attacker, Path.Combine(socketDirectory, "sidecar.sock"));
        File.SetUnixFileMode(socketDirectory, (UnixFileMode)0b111_000_000);

        var result = await RunWithRuntimeDirectoryAsync(hook, dir.File("rt"));

        Assert.Equal(0, await attacker.StopAsync());
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"untrusted socket: the socket is served by uid {OtherUsers.Attacker}, not by uid 0 or root", result.StderrText);
        Assert.True(result.Elapsed < AtOnce, $"took {result.Elapsed}");
        Assert.False(hook.DaemonStarted);
    }

    private static byte[] Stdin => """{"session_id":"s","hook_event_name":"PreToolUse","tool_name":"Bash","tool_input":{"command":"cat ~/.ssh/id_ed25519"}}"""u8.ToArray();

    /// <summary>
    /// Another uid creates /tmp/hookline-VICTIM/ (mode 755) and listens in it before the victim's hook runs with no
    /// socket given and no XDG_RUNTIME_DIR, as in cron, su or a container. Returns what the hook did, how many bytes
    /// the squatter received, and its directory.
    /// </summary>
    private static async Task<(HookResult Result, int Received, string Squatted, bool DaemonStarted)> RunAgainstSquatterAsync(string home, bool autostart)
    {
        using var hook = new HookCopy();
        var squatted = $"/tmp/hookline-{OtherUsers.Victim}";
        if (Directory.Exists(squatted))
        {
            Directory.Delete(squatted, recursive: true);
        }
        try
        {
            await using var attacker = await ForeignListener.StartAsync(OtherUsers.Attacker, Path.Combine(squatted, "sidecar.sock"), directoryMode: "755");
            var result = await HookRun.RunAsync(["--agent", "claude", "--event", "pre-tool-use"], Stdin, new Dictionary<string, string>
            {
                ["XDG_RUNTIME_DIR"] = "",
                ["XDG_STATE_HOME"] = "",
                ["HOME"] = home,
                ["HOOKLINE_AUTOSTART"] = autostart ? "1" : "0",
                ["HOOKLINE_HOOK_TIMEOUT_MS"] = TimeoutMs,
                ["HOOKLINE_ORPHAN_FILE"] = Path.Combine(hook.Shared, "orphans.jsonl"),
            }, [.. OtherUsers.As(OtherUsers.Victim), hook.Hook]);
            return (result, await attacker.StopAsync(), squatted, hook.DaemonStarted);
        }
        finally
        {
            Directory.Delete(squatted, recursive: true);
        }
    }

    /// <summary>This user's hook with no socket given: it looks for the daemon under <paramref name="runtime"/>, and may start it.</summary>
    private static Task<HookResult> RunWithRuntimeDirectoryAsync(HookCopy hook, string runtime)
        => HookRun.RunAsync(["--agent", "claude", "--event", "pre-tool-use"], Stdin, new Dictionary<string, string>
        {
            ["XDG_RUNTIME_DIR"] = runtime,
            ["HOOKLINE_AUTOSTART"] = "1",
            ["HOOKLINE_HOOK_TIMEOUT_MS"] = TimeoutMs,
            ["HOOKLINE_ORPHAN_FILE"] = Path.Combine(hook.Shared, "orphans.jsonl"),
        }, [hook.Hook]);
}
