using System.Collections.Concurrent;
using System.Diagnostics;
using Hookline.Server;
using Hookline.Sidecar.Internal.Listening;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Sidecar.Tests;

/// <summary>The per-user daemon: a real server, a real daemon socket, hooks from two agent sessions.</summary>
public sealed class DaemonTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly TempDir _dir = new();
    // An hour ahead: gRPC deadlines are taken from this clock, and a frozen "now" would soon put them in the past.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow.AddHours(1));
    private readonly ConcurrentQueue<(string Agent, string AgentSession, string Reason)> _ended = new();
    private readonly SemaphoreSlim _endedSignal = new(0);
    private HooklineServer _server = null!;
    private HooklineDaemon _daemon = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(_dir);
        _daemon = await StartDaemonAsync(_dir.File("run/sidecar.sock"));
        _daemon.SessionEnded += (agent, agentSession, _, reason) =>
        {
            _ended.Enqueue((agent, agentSession, reason));
            _endedSignal.Release();
        };
    }

    private Task<HooklineDaemon> StartDaemonAsync(string socket) => HooklineDaemon.StartAsync(new SidecarOptions
    {
        ServerUrl = _server.GrpcAddress,
        SocketPath = socket,
        StateDirectory = _dir.File("state"),
        OrphanFile = _dir.File("orphans.jsonl"),
        Budget = TimeSpan.FromSeconds(5),
        IdleTimeout = TimeSpan.FromMinutes(30),
        TimeProvider = _time,
    });

    public async Task DisposeAsync()
    {
        await _daemon.DisposeAsync();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private static string Event(string agentSession, string name, string command = "rm -rf /tmp/x") =>
        HookClient.Bash(command).Replace("3982e839-f0d1-4fef-886f-7146ed1dad82", agentSession).Replace("\"PreToolUse\"", $"\"{name}\"");

    [Fact]
    public async Task Two_agent_sessions_through_one_daemon_get_two_server_sessions_and_session_end_ends_one()
    {
        var a = await HookClient.SendAsync(_daemon.SocketPath, "claude", "pre-tool-use", Event("agent-a", "PreToolUse"));
        var b = await HookClient.SendAsync(_daemon.SocketPath, "claude", "pre-tool-use", Event("agent-b", "PreToolUse", "git status"));
        await HookClient.SendAsync(_daemon.SocketPath, "claude", "post-tool-use", Event("agent-a", "PostToolUse"));

        Assert.Equal("deny", a.PermissionDecision);
        Assert.Equal("allow", b.PermissionDecision);
        Assert.Equal(2, _daemon.OpenSessions);

        await HookClient.SendAsync(_daemon.SocketPath, "claude", "session-end", Event("agent-a", "SessionEnd"));
        Assert.True(await _endedSignal.WaitAsync(Bound));

        Assert.Equal(("claude", "agent-a", "agent session ended"), Assert.Single(_ended));
        Assert.Equal(1, _daemon.OpenSessions);
        var sessions = await _server.RowsAsync("SELECT agent_session_id || '|' || status FROM sessions ORDER BY agent_session_id");
        Assert.Equal(["agent-a|ended", "agent-b|active"], sessions);
        await _daemon.DisposeAsync(); // ends agent-b's session too, after the server confirmed its events as stored
        var perSession = await _server.RowsAsync("""
            SELECT s.agent_session_id || '|' || COUNT(DISTINCT e.session_id) || '|' || COUNT(*)
            FROM events e JOIN sessions s ON s.session_id = e.session_id GROUP BY s.agent_session_id ORDER BY 1
            """);
        Assert.Equal(["agent-a|1|3", "agent-b|1|1"], perSession);
    }

    [Fact]
    public async Task A_session_silent_for_the_idle_timeout_is_ended()
    {
        await HookClient.SendAsync(_daemon.SocketPath, "codex", "pre-tool-use", Event("quiet", "PreToolUse", "ls"));
        Assert.Equal(1, _daemon.OpenSessions);

        _time.Advance(TimeSpan.FromMinutes(31));
        Assert.True(await _endedSignal.WaitAsync(Bound));

        Assert.Equal(("codex", "quiet", "idle"), Assert.Single(_ended));
        Assert.Equal(0, _daemon.OpenSessions);
    }

    [Fact]
    public async Task A_second_daemon_for_the_same_socket_is_refused()
    {
        await Assert.ThrowsAsync<DaemonAlreadyRunningException>(() => StartDaemonAsync(_daemon.SocketPath));

        // The first one still answers.
        var reply = await HookClient.SendAsync(_daemon.SocketPath, "claude", "pre-tool-use", Event("x", "PreToolUse"));
        Assert.Equal("deny", reply.PermissionDecision);
    }

    [Fact]
    public async Task A_socket_directory_that_others_can_enter_or_a_symlink_is_refused_not_adopted()
    {
        var loose = _dir.File("loose");
        Directory.CreateDirectory(loose);
        File.SetUnixFileMode(loose, (UnixFileMode)0b111_101_101);
        var link = _dir.File("link");
        Directory.CreateSymbolicLink(link, _dir.File("run"));

        var looseError = await Assert.ThrowsAsync<IOException>(() => StartDaemonAsync(Path.Combine(loose, "sidecar.sock")));
        var linkError = await Assert.ThrowsAsync<IOException>(() => StartDaemonAsync(Path.Combine(link, "sidecar.sock")));

        Assert.Contains("must be 700", looseError.Message);
        Assert.Contains("not a directory", linkError.Message);
        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(loose));
    }

    [Fact]
    public async Task A_socket_directory_of_another_user_is_refused()
    {
        if (Environment.UserName != "root")
        {
            return; // Only root can hand a directory to another uid; CI runs as root.
        }
        var foreign = _dir.File("foreign");
        Directory.CreateDirectory(foreign, (UnixFileMode)0b111_000_000);
        using (var chown = Process.Start("chown", ["12345", foreign]))
        {
            await chown.WaitForExitAsync();
        }

        var error = await Assert.ThrowsAsync<IOException>(() => StartDaemonAsync(Path.Combine(foreign, "sidecar.sock")));

        Assert.Contains("belongs to uid 12345", error.Message);
    }

    [Fact]
    public void The_default_socket_is_under_XDG_RUNTIME_DIR_else_under_the_state_directory()
    {
        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        var underState = Path.Combine(SidecarOptions.DefaultStateDirectory(), "run", "sidecar.sock");
        var expected = !string.IsNullOrEmpty(runtime) ? Path.Combine(runtime, "hookline", "sidecar.sock")
            : System.Text.Encoding.UTF8.GetByteCount(underState) <= Internal.Listening.HookSocketListener.MaxSocketPathBytes ? underState
            : $"/tmp/hookline-{Internal.Platform.Current.EffectiveUid}/sidecar.sock";

        Assert.Equal(expected, HooklineDaemon.DefaultSocketPath());
    }
}
