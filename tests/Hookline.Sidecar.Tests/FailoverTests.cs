using Hookline.Server;

namespace Hookline.Sidecar.Tests;

/// <summary>A sidecar given several server URLs moves its stream to the next one when its server goes away.</summary>
public sealed class FailoverTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly List<HooklineServer> _servers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    private async Task<HooklineServer> ServerAsync(string name)
    {
        var policy = _dir.File("policy.yaml");
        await File.WriteAllTextAsync(policy, Policies.Standard);
        var server = await HooklineServer.StartAsync(new HooklineServerOptions
        {
            Listen = "http://127.0.0.1:0",
            HttpListen = null,
            PolicyFile = policy,
            DataDirectory = _dir.File(name),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        });
        _servers.Add(server);
        return server;
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }
        _dir.Dispose();
    }

    [Fact]
    public async Task When_the_first_server_stops_the_stream_moves_to_the_second_and_hooks_get_remote_decisions_again()
    {
        var first = await ServerAsync("a");
        var second = await ServerAsync("b");
        await using var sidecar = await HooklineSidecar.StartAsync(new SidecarOptions
        {
            ServerUrls = [first.GrpcAddress, second.GrpcAddress],
            SocketPath = _dir.File("f.sock"),
            StateDirectory = _dir.File("state"),
            Budget = TimeSpan.FromSeconds(5),
            MinReconnectDelay = TimeSpan.FromMilliseconds(20),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
        });
        Assert.Equal(first.GrpcAddress, sidecar.ServerUrl);
        var decisions = new List<HookDecision>();
        sidecar.Decided += d => { lock (decisions) { decisions.Add(d); } };

        await first.DisposeAsync();
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!(sidecar.IsConnected && sidecar.ServerUrl == second.GrpcAddress))
        {
            Assert.True(await poll.WaitForNextTickAsync(bound.Token), "no failover within 30 s");
        }
        var reply = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("rm -rf /tmp/x"));

        Assert.Equal("deny", reply.PermissionDecision);
        lock (decisions)
        {
            Assert.Equal("remote", decisions[^1].Source);
        }
    }
}
