using System.Collections.Concurrent;
using Hookline.Server;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Sidecar.Tests;

/// <summary>What the local fallback may and may not do: a stale snapshot is refused, observe mode never blocks.</summary>
public sealed class LocalFallbackTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private async Task<HooklineServer> StartServerAsync(string policy)
    {
        var file = _dir.File("policy.yaml");
        await File.WriteAllTextAsync(file, policy);
        return await HooklineServer.StartAsync(new HooklineServerOptions
        {
            Listen = "http://127.0.0.1:0",
            HttpListen = null,
            PolicyFile = file,
            DataDirectory = _dir.File("data"),
            LogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        });
    }

    private Task<HooklineSidecar> StartSidecarAsync(string server, TimeProvider time) => HooklineSidecar.StartAsync(new SidecarOptions
    {
        ServerUrl = server,
        SocketPath = _dir.File($"s{Guid.NewGuid():N}"[..12] + ".sock"),
        StateDirectory = _dir.File("state"),
        OrphanFile = _dir.File("orphans.jsonl"),
        TimeProvider = time,
        WarmupTimeout = TimeSpan.FromSeconds(10),
    });

    [Fact]
    public async Task A_snapshot_older_than_its_max_age_is_refused_for_local_decisions_and_the_fail_mode_applies()
    {
        var server = await StartServerAsync(Policies.Standard + "\nmax_snapshot_age: 60s\n");
        // A minute ahead: the sidecar's gRPC deadlines come from this clock and must not be in the past.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(1));
        await using var sidecar = await StartSidecarAsync(server.GrpcAddress, time);
        var decisions = new ConcurrentQueue<HookDecision>();
        sidecar.Decided += decisions.Enqueue;
        Assert.NotEqual(0UL, sidecar.PolicyEpoch);
        await server.DisposeAsync();

        var fresh = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("git status"));
        time.Advance(TimeSpan.FromSeconds(61));
        var stale = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("git status"));

        Assert.Equal("allow", fresh.PermissionDecision);
        Assert.Equal("deny", stale.PermissionDecision);
        Assert.Contains("policy unavailable", stale.Stdout);
        Assert.Equal(["local", "fail_closed"], decisions.Select(d => d.Source));
    }

    [Fact]
    public async Task In_observe_mode_a_local_decision_never_blocks_and_keeps_what_the_rules_said()
    {
        var time = TimeProvider.System;
        var server = await StartServerAsync(Policies.Standard + "\nmode: observe\n");
        await using var sidecar = await StartSidecarAsync(server.GrpcAddress, time);
        var decisions = new ConcurrentQueue<HookDecision>();
        sidecar.Decided += decisions.Enqueue;
        await server.DisposeAsync();

        var reply = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("rm -rf /"));

        Assert.Equal((0, ""), (reply.ExitCode, reply.Stderr));
        Assert.NotEqual("deny", reply.PermissionDecision);
        var decision = Assert.Single(decisions);
        Assert.Equal(("local", "allow"), (decision.Source, decision.Verdict));
    }
}
