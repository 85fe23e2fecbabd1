using System.Collections.Concurrent;
using Hookline.Server;
using Microsoft.Data.Sqlite;

namespace Hookline.Sidecar.Tests;

/// <summary>The stream over gRPC on loopback: a separate server.</summary>
public sealed class SidecarStreamOverLoopbackTests : SidecarStreamTests
{
    protected override bool InMemoryLink => false;
}

/// <summary>The same behaviour over the in-memory link of a server in the same process (<c>hookline start</c>).</summary>
public sealed class SidecarStreamInMemoryTests : SidecarStreamTests
{
    protected override bool InMemoryLink => true;
}

/// <summary>A real server (Kestrel, SQLite file), a real sidecar, hooks over its real Unix socket.</summary>
public abstract class SidecarStreamTests : IAsyncLifetime
{
    /// <summary>The sidecar reaches the server through <see cref="HooklineServer.CreateInProcessInvoker"/>.</summary>
    protected abstract bool InMemoryLink { get; }

    private readonly TempDir _dir = new();
    private HooklineServer _server = null!;
    private HooklineSidecar _sidecar = null!;
    private readonly ConcurrentQueue<HookDecision> _decisions = new();

    public async Task InitializeAsync()
    {
        var policy = _dir.File("policy.yaml");
        await File.WriteAllTextAsync(policy, Policies.Standard);
        _server = await HooklineServer.StartAsync(new HooklineServerOptions
        {
            Listen = "http://127.0.0.1:0",
            HttpListen = null,
            PolicyFile = policy,
            DataDirectory = _dir.File("data"),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        });
        _sidecar = await StartSidecarAsync(_server.GrpcAddress, TimeSpan.FromSeconds(5),
            invoker: InMemoryLink ? _server.CreateInProcessInvoker() : null);
        _sidecar.Decided += _decisions.Enqueue;
    }

    private Task<HooklineSidecar> StartSidecarAsync(string server, TimeSpan budget, SidecarFailMode failMode = SidecarFailMode.Closed,
        Grpc.Core.CallInvoker? invoker = null) =>
        HooklineSidecar.StartAsync(new SidecarOptions
        {
            ServerUrl = server,
            CallInvoker = invoker,
            SocketPath = _dir.File($"s{Guid.NewGuid():N}"[..12] + ".sock"),
            StateDirectory = _dir.File("state"),
            Budget = budget,
            FailMode = failMode,
            MinReconnectDelay = TimeSpan.FromMilliseconds(20),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
        });

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task The_sidecar_holds_the_servers_snapshot_before_it_accepts_hooks()
    {
        Assert.True(_sidecar.IsConnected);
        Assert.Equal(_server.PolicyEpoch, _sidecar.PolicyEpoch);
        Assert.True(_sidecar.PolicyEpoch > 0);
    }

    [Theory]
    [InlineData("rm -rf /tmp/x", "deny", "no-force-delete")]
    [InlineData("cd /tmp && FOO=1 timeout 5 rm -rf x", "deny", "no-force-delete")]
    [InlineData("git push origin main", "ask", "confirm-push")]
    [InlineData("git status", "allow", "git-status")]
    public async Task Server_decisions_reach_the_hook_in_claudes_native_shape(string command, string expected, string rule)
    {
        var reply = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash(command));

        Assert.Equal(0, reply.ExitCode);
        Assert.Equal(expected, reply.PermissionDecision);
        var decision = Assert.Single(_decisions);
        Assert.Equal("remote", decision.Source);
        Assert.Equal(expected, decision.Verdict);
        Assert.Contains(rule, decision.RuleIds);
        Assert.Equal(_server.PolicyEpoch, decision.PolicyEpoch);
    }

    [Fact]
    public async Task A_policy_edit_reaches_the_sidecar_before_the_next_decision()
    {
        await File.WriteAllTextAsync(_dir.File("policy.yaml"), Policies.Standard.Replace("no-force-delete", "no-rm-rf"));
        Assert.True(_server.ReloadPolicy());

        // The push is queued on the stream before the next decision, so it is installed when that decision arrives.
        var reply = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("rm -rf /"));

        Assert.Equal("deny", reply.PermissionDecision);
        Assert.Contains("no-rm-rf", Assert.Single(_decisions).RuleIds);
        Assert.Equal(_server.PolicyEpoch, _sidecar.PolicyEpoch);
    }

    [Fact]
    public async Task The_default_allow_gives_no_answer_so_claudes_own_prompts_stay()
    {
        var reply = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("ls -la"));

        Assert.Equal(new HookClient.Reply(0, "", ""), reply);
        Assert.Equal("remote", Assert.Single(_decisions).Source);
    }

    [Fact]
    public async Task Malformed_input_to_a_blocking_event_is_denied_with_a_reason()
    {
        var reply = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", "{\"tool_name\": \"Bash\", ");

        Assert.Equal(2, reply.ExitCode);
        Assert.Contains("not valid JSON", reply.Stderr);
        Assert.Equal("malformed_input", Assert.Single(_decisions).Source);
    }

    [Fact]
    public async Task Malformed_input_to_a_telemetry_event_is_allowed_and_still_recorded()
    {
        var reply = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "post-tool-use", "not json");

        Assert.Equal(0, reply.ExitCode);
        Assert.True(await _sidecar.FlushAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("not json", await ScalarAsync<string>("SELECT CAST(raw_input AS TEXT) FROM events"));
    }

    [Fact]
    public async Task An_unknown_agent_gets_a_clear_error()
    {
        var reply = await HookClient.SendAsync(_sidecar.SocketPath, "vim", "pre-tool-use", HookClient.Bash("ls"));

        Assert.Equal(2, reply.ExitCode);
        Assert.Contains("unknown agent 'vim'", reply.Stderr);
    }

    [Fact]
    public async Task Two_hundred_concurrent_hooks_on_one_stream_each_get_their_own_decision()
    {
        var commands = Enumerable.Range(0, 200).Select(i => i % 2 == 0 ? $"rm -rf /tmp/{i}" : $"git status").ToArray();

        var replies = await Task.WhenAll(commands.Select(c =>
            Task.Run(() => HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash(c)))));

        for (var i = 0; i < commands.Length; i++)
        {
            Assert.Equal(i % 2 == 0 ? "deny" : "allow", replies[i].PermissionDecision);
        }
        Assert.Equal(200, _decisions.Count(d => d.Source == "remote"));
        Assert.True(await _sidecar.FlushAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(200L, await ScalarAsync<long>("SELECT COUNT(*) FROM events WHERE applied_source = 'remote'"));
    }

    [Fact]
    public async Task Every_event_is_stored_once_with_its_decision_and_acknowledged()
    {
        await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("rm -rf /"));
        await HookClient.SendAsync(_sidecar.SocketPath, "claude", "post-tool-use", HookClient.Bash("ls"));

        Assert.True(await _sidecar.FlushAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, _sidecar.UnacknowledgedEvents);
        Assert.Equal(2L, await ScalarAsync<long>("SELECT COUNT(*) FROM events"));
        Assert.Equal("deny|no-force-delete|remote",
            await ScalarAsync<string>("SELECT verdict || '|' || rule_ids || '|' || applied_source FROM events WHERE hook_event = 'PreToolUse'"));
        Assert.Equal("non_blocking", await ScalarAsync<string>("SELECT applied_source FROM events WHERE hook_event = 'PostToolUse'"));
    }

    [Fact]
    public async Task With_the_server_gone_the_last_snapshot_decides_locally()
    {
        await _server.DisposeAsync();

        var reply = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("rm -rf /"));
        var allowed = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("git status"));

        Assert.Equal("deny", reply.PermissionDecision);
        Assert.Equal("allow", allowed.PermissionDecision);
        Assert.All(_decisions, d => Assert.Equal("local", d.Source));
        Assert.Equal(2, _sidecar.Counters.Local);
        Assert.Equal(0, _sidecar.Counters.Remote);
        Assert.All(_decisions, d => Assert.Equal(_sidecar.PolicyEpoch, d.PolicyEpoch));
    }

    [Theory]
    [InlineData(SidecarFailMode.Closed, "deny", "fail_closed")]
    [InlineData(SidecarFailMode.Open, null, "fail_open")]
    public async Task Without_any_snapshot_the_fail_mode_decides(SidecarFailMode mode, string? expected, string source)
    {
        // Nothing listens on port 1 of loopback: the stream never opens, no snapshot ever arrives.
        await using var orphan = await StartSidecarAsync("http://127.0.0.1:1", TimeSpan.FromSeconds(5), mode);
        var decisions = new ConcurrentQueue<HookDecision>();
        orphan.Decided += decisions.Enqueue;

        var reply = await HookClient.SendAsync(orphan.SocketPath, "claude", "pre-tool-use", HookClient.Bash("ls"));

        Assert.Equal(expected, reply.PermissionDecision);
        Assert.Equal(source, Assert.Single(decisions).Source);
        Assert.Equal(0UL, orphan.PolicyEpoch);
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_server.DatabasePath};Mode=ReadOnly");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)(await command.ExecuteScalarAsync())!;
    }
}
