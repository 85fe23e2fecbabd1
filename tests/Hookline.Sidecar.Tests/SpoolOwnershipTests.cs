using Hookline.Server;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// A sidecar's spool against a server that binds sessions and event ids to their principal: what the server refuses
/// for good leaves the spool (no resending forever), and what a crashed session left is still delivered by the same
/// user's next sidecar, even with a rotated token.
/// </summary>
public sealed class SpoolOwnershipTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private Task<HooklineServer> StartServerAsync(ServerAuthMode auth) => HooklineServer.StartAsync(new HooklineServerOptions
    {
        Listen = "http://127.0.0.1:0",
        HttpListen = null,
        DataDirectory = _dir.File("data"),
        LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        Auth = auth,
    });

    private SidecarOptions Options(string server, string session, string? token = null, string stateDirectory = "state")
    {
        var options = SpoolTestStack.Options(_dir, server, session);
        options.Token = token;
        options.StateDirectory = _dir.File(stateDirectory);
        return options;
    }

    private string Token(string user) =>
        Tokens.Create(_dir.File("data"), $"{user}-{Guid.NewGuid():N}"[..20], TokenScope.Sidecar, user, "acme").Token;

    private static Task<T> ScalarAsync<T>(HooklineServer server, string sql) => SpoolTestStack.ScalarAsync<T>(server, sql);

    [Fact]
    public async Task An_event_id_stored_under_another_session_is_refused_and_the_sidecar_drops_it_from_its_spool()
    {
        var line = """{"v":1,"time":"2026-11-25T18:00:00.000Z","agent":"claude","event":"pre-tool-use","decision":"deny","source":"hook","fail_mode":"closed","reason":"sidecar unreachable","payload_bytes":1,"payload_truncated":false,"payload_fnv1a64":"0","pid":7}""";
        await using var server = await StartServerAsync(ServerAuthMode.Off);
        var first = Guid.NewGuid().ToString();
        await File.WriteAllTextAsync(_dir.File("orphans.jsonl"), line + "\n");
        await using (var sidecar = await HooklineSidecar.StartAsync(Options(server.GrpcAddress, first)))
        {
            Assert.True(await sidecar.FlushAsync(TimeSpan.FromSeconds(20)));
        }

        // The same record again (the same event id) in another session's spool.
        await File.WriteAllTextAsync(_dir.File("orphans.jsonl"), line + "\n");
        await using var second = await HooklineSidecar.StartAsync(Options(server.GrpcAddress, Guid.NewGuid().ToString()));

        Assert.True(await second.FlushAsync(TimeSpan.FromSeconds(20)), "the refused event stayed in the spool");
        Assert.Equal(1L, second.RejectedEvents);
        Assert.Equal(0, second.UnacknowledgedEvents);
        Assert.Equal(first + "|1", await ScalarAsync<string>(server, "SELECT MIN(session_id) || '|' || COUNT(*) FROM events"));
    }

    [Fact]
    public async Task The_spool_of_a_crashed_session_is_replayed_by_the_same_users_next_sidecar_after_token_rotation_not_by_another_user()
    {
        var aliceCrashed = await CrashWithSpooledEventAsync(Token("alice"), "alice-state");
        var foundByMallory = await CrashWithSpooledEventAsync(Token("alice"), "shared-state");
        await using var server = await StartServerAsync(ServerAuthMode.Required);

        // Another user's sidecar finds one of the spools: the server refuses its events, and that sidecar drops them.
        await using (var mallory = await HooklineSidecar.StartAsync(Options(server.GrpcAddress, Guid.NewGuid().ToString(), Token("mallory"), "shared-state")))
        {
            Assert.True(await mallory.FlushAsync(TimeSpan.FromSeconds(20)), "the refused event stayed in the spool");
            Assert.Equal(1L, mallory.RejectedEvents);
        }
        // Alice's next sidecar, with a new token of hers, delivers what her crashed session left.
        await using (var next = await HooklineSidecar.StartAsync(Options(server.GrpcAddress, Guid.NewGuid().ToString(), Token("alice"), "alice-state")))
        {
            Assert.True(await next.FlushAsync(TimeSpan.FromSeconds(20)));
            Assert.Equal(0L, next.RejectedEvents);
        }

        Assert.Equal(0L, await ScalarAsync<long>(server, $"SELECT COUNT(*) FROM events WHERE session_id = '{foundByMallory}'"));
        Assert.Equal("alice|PreToolUse|1", await ScalarAsync<string>(server,
            $"SELECT MIN(user_name) || '|' || MIN(hook_event) || '|' || COUNT(*) FROM events WHERE session_id = '{aliceCrashed}'"));
    }

    /// <summary>
    /// A sidecar that created its session on a running server, then lost the server and died with a decision not yet
    /// stored: its spool stays in <paramref name="stateDirectory"/>. Returns the session id.
    /// </summary>
    private async Task<string> CrashWithSpooledEventAsync(string token, string stateDirectory)
    {
        var session = Guid.NewGuid().ToString();
        var server = await StartServerAsync(ServerAuthMode.Required);
        await using var sidecar = await HooklineSidecar.StartAsync(Options(server.GrpcAddress, session, token, stateDirectory));
        Assert.True(await sidecar.FlushAsync(TimeSpan.FromSeconds(20)));
        await server.DisposeAsync();
        await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("rm -rf /"));
        Assert.Equal(1, sidecar.UnacknowledgedEvents);
        return session;
    }
}
