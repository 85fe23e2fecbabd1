using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Hookline.Hook.Tests;

/// <summary>Every decision the hook takes alone leaves one JSON line for the next sidecar to forward.</summary>
public sealed class OrphanRecordTests
{
    [Fact]
    public async Task A_fail_closed_deny_is_recorded_with_every_field()
    {
        using var dir = new TempDir();
        var stdin = Encoding.UTF8.GetBytes("""{"tool_name":"Bash","tool_input":{"command":"ls"}}""");
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        var result = await RunAsync(dir, ["--agent", "claude", "--event", "pre-tool-use", "--socket", dir.File("absent.sock")], stdin);

        Assert.Equal(2, result.ExitCode);
        var record = Assert.Single(ReadRecords(dir.File("orphans.jsonl")));
        Assert.Equal(1, record.GetProperty("v").GetInt32());
        var time = DateTimeOffset.ParseExact(record.GetProperty("time").GetString()!, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'",
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.InRange(time, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal("claude", record.GetProperty("agent").GetString());
        Assert.Equal("pre-tool-use", record.GetProperty("event").GetString());
        Assert.Equal("deny", record.GetProperty("decision").GetString());
        Assert.Equal("hook", record.GetProperty("source").GetString());
        Assert.Equal("closed", record.GetProperty("fail_mode").GetString());
        Assert.StartsWith("sidecar unreachable: connect ", record.GetProperty("reason").GetString());
        Assert.Equal(stdin.Length, record.GetProperty("payload_bytes").GetInt32());
        Assert.False(record.GetProperty("payload_truncated").GetBoolean());
        Assert.Equal(Frames.Fnv1a64(stdin).ToString("x16", CultureInfo.InvariantCulture), record.GetProperty("payload_fnv1a64").GetString());
        Assert.True(record.GetProperty("pid").GetInt32() > 0);
    }

    [Fact]
    public async Task A_fail_open_allow_is_recorded_as_allow()
    {
        using var dir = new TempDir();

        await RunAsync(dir, ["--agent", "gemini", "--event", "before-tool", "--socket", dir.File("absent.sock")], [], failMode: "open");

        var record = Assert.Single(ReadRecords(dir.File("orphans.jsonl")));
        Assert.Equal("allow", record.GetProperty("decision").GetString());
        Assert.Equal("open", record.GetProperty("fail_mode").GetString());
        Assert.Equal(0, record.GetProperty("payload_bytes").GetInt32());
        Assert.Equal("cbf29ce484222325", record.GetProperty("payload_fnv1a64").GetString());
    }

    [Fact]
    public async Task Strings_with_quotes_backslashes_and_control_characters_are_escaped()
    {
        using var dir = new TempDir();
        var socket = Path.Combine(dir.Path, "tab\there", "quote\"back\\slash-é.sock");

        var result = await RunAsync(dir, ["--agent", "a\"b\\c", "--event", "x{}", "--socket", socket], []);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.StderrText.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var record = Assert.Single(ReadRecords(dir.File("orphans.jsonl")));
        Assert.Equal("a\"b\\c", record.GetProperty("agent").GetString());
        Assert.Equal("x{}", record.GetProperty("event").GetString());
        Assert.Contains(socket, record.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Without_an_override_the_file_goes_under_XDG_STATE_HOME_with_private_modes()
    {
        using var dir = new TempDir();
        var stateHome = dir.File("state");

        var result = await HookRun.RunAsync(
            ["--agent", "claude", "--event", "pre-tool-use", "--socket", dir.File("absent.sock")],
            [],
            new Dictionary<string, string> { ["XDG_STATE_HOME"] = stateHome, ["HOME"] = dir.File("home") });

        Assert.Equal(2, result.ExitCode);
        var file = Path.Combine(stateHome, "hookline", "orphans.jsonl");
        Assert.Single(ReadRecords(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(Path.Combine(stateHome, "hookline")));
    }

    [Fact]
    public async Task Without_XDG_STATE_HOME_the_file_goes_under_HOME()
    {
        using var dir = new TempDir();
        var home = dir.File("home");

        await HookRun.RunAsync(
            ["--agent", "claude", "--event", "post-tool-use", "--socket", dir.File("absent.sock")],
            [],
            new Dictionary<string, string> { ["XDG_STATE_HOME"] = "", ["HOME"] = home });

        Assert.Single(ReadRecords(Path.Combine(home, ".local", "state", "hookline", "orphans.jsonl")));
    }

    [Fact]
    public async Task An_unwritable_orphan_file_does_not_change_the_decision()
    {
        using var dir = new TempDir();
        var blocker = dir.File("not-a-dir");
        await File.WriteAllTextAsync(blocker, "");

        var denied = await HookRun.RunAsync(
            ["--agent", "claude", "--event", "pre-tool-use", "--socket", dir.File("absent.sock")],
            [],
            new Dictionary<string, string> { ["HOOKLINE_ORPHAN_FILE"] = Path.Combine(blocker, "orphans.jsonl") });
        var allowed = await HookRun.RunAsync(
            ["--agent", "claude", "--event", "post-tool-use", "--socket", dir.File("absent.sock")],
            [],
            new Dictionary<string, string> { ["HOOKLINE_ORPHAN_FILE"] = Path.Combine(blocker, "orphans.jsonl") });

        Assert.Equal(2, denied.ExitCode);
        Assert.Contains("blocked (fail mode closed)", denied.StderrText);
        Assert.Equal(0, allowed.ExitCode);
        Assert.Empty(allowed.Stderr);
    }

    [Fact]
    public async Task Concurrent_hooks_append_whole_lines()
    {
        using var dir = new TempDir();
        var payload = new byte[3000];
        Array.Fill(payload, (byte)'x');

        var runs = Enumerable.Range(0, 8).Select(i => RunAsync(
            dir, ["--agent", "claude", "--event", "event-" + i, "--socket", dir.File("absent.sock")], payload));
        await Task.WhenAll(runs);

        var events = ReadRecords(dir.File("orphans.jsonl")).Select(r => r.GetProperty("event").GetString()).Order();
        Assert.Equal(Enumerable.Range(0, 8).Select(i => "event-" + i).Order(), events);
    }

    private static Task<HookResult> RunAsync(TempDir dir, string[] args, byte[] stdin, string? failMode = null)
    {
        var env = new Dictionary<string, string> { ["HOOKLINE_ORPHAN_FILE"] = dir.File("orphans.jsonl") };
        if (failMode is not null)
        {
            env["HOOKLINE_FAIL_MODE"] = failMode;
        }
        return HookRun.RunAsync(args, stdin, env);
    }

    private static List<JsonElement> ReadRecords(string file) => File.ReadAllLines(file)
        .Select(line => JsonDocument.Parse(line).RootElement.Clone())
        .ToList();
}
