using System.Collections.Concurrent;
using Hookline.Server;

namespace Hookline.Sidecar.Tests;

/// <summary>Nothing is lost when the sidecar itself goes away: its spool is on disk, and so are the hook's own decisions.</summary>
public sealed class DurableSpoolTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private SidecarOptions Options(string server, string session) => SpoolTestStack.Options(_dir, server, session);

    private async Task<HooklineServer> StartServerAsync() => await HooklineServer.StartAsync(new HooklineServerOptions
    {
        Listen = "http://127.0.0.1:0",
        HttpListen = null,
        DataDirectory = _dir.File("data"),
        LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
    });

    [Fact]
    public async Task Events_decided_while_the_server_was_down_survive_a_sidecar_restart()
    {
        var session = Guid.NewGuid().ToString();
        await using (var first = await HooklineSidecar.StartAsync(Options("http://127.0.0.1:1", session)))
        {
            var denied = await HookClient.SendAsync(first.SocketPath, "claude", "pre-tool-use", HookClient.Bash("ls"));
            await HookClient.SendAsync(first.SocketPath, "claude", "post-tool-use", HookClient.Bash("ls"));
            Assert.Equal("deny", denied.PermissionDecision);
            Assert.Equal(2, first.UnacknowledgedEvents);
        }

        await using var server = await StartServerAsync();
        await using var second = await HooklineSidecar.StartAsync(Options(server.GrpcAddress, session));

        Assert.True(await second.FlushAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal("fail_closed,non_blocking", await ScalarAsync<string>(server,
            "SELECT group_concat(applied_source, ',') FROM (SELECT applied_source FROM events ORDER BY applied_source)"));
        Assert.Equal(session, await ScalarAsync<string>(server, "SELECT DISTINCT session_id FROM events"));
    }

    [Fact]
    public async Task A_new_session_adopts_the_spool_of_a_session_whose_sidecar_is_gone()
    {
        var ended = Guid.NewGuid().ToString();
        await using (var first = await HooklineSidecar.StartAsync(Options("http://127.0.0.1:1", ended)))
        {
            await HookClient.SendAsync(first.SocketPath, "claude", "pre-tool-use", HookClient.Bash("rm -rf /"));
        }

        await using var server = await StartServerAsync();
        await using var next = await HooklineSidecar.StartAsync(Options(server.GrpcAddress, Guid.NewGuid().ToString()));

        Assert.True(await next.FlushAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(ended + "|fail_closed", await ScalarAsync<string>(server, "SELECT session_id || '|' || applied_source FROM events"));
    }

    [Fact]
    public async Task A_second_sidecar_for_a_running_session_is_refused()
    {
        var session = Guid.NewGuid().ToString();
        await using var first = await HooklineSidecar.StartAsync(Options("http://127.0.0.1:1", session));

        var error = await Assert.ThrowsAsync<IOException>(() => HooklineSidecar.StartAsync(Options("http://127.0.0.1:1", session)));
        Assert.Contains("another sidecar already runs session", error.Message);
    }

    [Fact]
    public async Task Decisions_the_hook_made_alone_reach_the_audit_trail_once()
    {
        var line = """{"v":1,"time":"2026-11-25T18:00:00.000Z","agent":"claude","event":"pre-tool-use","decision":"deny","source":"hook","fail_mode":"closed","reason":"sidecar unreachable","payload_bytes":512,"payload_truncated":false,"payload_fnv1a64":"00000000deadbeef","pid":42}""";
        await File.WriteAllTextAsync(_dir.File("orphans.jsonl"), line + "\n" + "not json\n" + line.Replace("deny", "allow", StringComparison.Ordinal) + "\n");
        await using var server = await StartServerAsync();
        var decisions = new ConcurrentQueue<HookDecision>();

        await using (var sidecar = await HooklineSidecar.StartAsync(Options(server.GrpcAddress, Guid.NewGuid().ToString())))
        {
            Assert.True(await sidecar.FlushAsync(TimeSpan.FromSeconds(20)));
        }
        // The same line again (a hook wrote it twice, or the file came back): stored once.
        await File.WriteAllTextAsync(_dir.File("orphans.jsonl"), line + "\n");
        await using (var again = await HooklineSidecar.StartAsync(Options(server.GrpcAddress, Guid.NewGuid().ToString())))
        {
            Assert.True(await again.FlushAsync(TimeSpan.FromSeconds(20)));
        }

        Assert.False(File.Exists(_dir.File("orphans.jsonl")));
        Assert.Equal(2L, await ScalarAsync<long>(server, "SELECT COUNT(*) FROM events WHERE applied_source = 'hook'"));
        Assert.Equal("deny", await ScalarAsync<string>(server,
            "SELECT applied_verdict FROM events WHERE applied_reason LIKE 'sidecar unreachable%' AND applied_verdict = 'deny'"));
        Assert.Equal("PreToolUse|claude", await ScalarAsync<string>(server, "SELECT DISTINCT hook_event || '|' || agent FROM events"));
    }

    private static Task<T> ScalarAsync<T>(HooklineServer server, string sql) => SpoolTestStack.ScalarAsync<T>(server, sql);
}
