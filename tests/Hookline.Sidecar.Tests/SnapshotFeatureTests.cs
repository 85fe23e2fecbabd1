using System.Collections.Concurrent;
using Hookline.Contracts.V1;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Item 16 of issue 14: a snapshot whose document needs an engine feature this sidecar lacks (or that does not compile
/// here) is refused, the refusal is said on the stream and in the status, and local decisions apply the fail mode
/// instead of the snapshot held before.
/// </summary>
public sealed class SnapshotFeatureTests : IDisposable
{
    private const string Allowing = "version: 1\nrules:\n  - {id: git-read, effect: allow, match: \"Bash(git status*)\"}\n";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string, string[], string> Unusable => new()
    {
        // A newer server's document with a feature this engine does not have: it may even parse here.
        { Allowing, ["approvals-v2"], "approvals-v2" },
        // A document an older engine cannot read (a key it does not know), without any feature named.
        { Allowing + "future_key: 1\n", [], "does not compile" },
    };

    [Theory]
    [MemberData(nameof(Unusable))]
    public async Task A_refused_snapshot_stops_local_decisions_from_using_the_previous_one(string document, string[] features, string why)
    {
        await using var server = await SnapshotPushServer.StartAsync();
        server.Pushes.Writer.TryWrite(Snapshot(1, Allowing));
        await using var sidecar = await HooklineSidecar.StartAsync(new SidecarOptions
        {
            ServerUrl = server.Url,
            SocketPath = _dir.File($"s{Guid.NewGuid():N}"[..12] + ".sock"),
            StateDirectory = _dir.File("state"),
            OrphanFile = _dir.File("orphans.jsonl"),
            Budget = TimeSpan.FromMilliseconds(50),
            FailMode = SidecarFailMode.Closed,
            WarmupTimeout = TimeSpan.FromSeconds(10),
        });
        var decisions = new ConcurrentQueue<HookDecision>();
        sidecar.Decided += decisions.Enqueue;
        Assert.Equal(1UL, sidecar.PolicyEpoch);

        // The server never answers: past the budget the sidecar decides with the snapshot it holds.
        var before = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("git status"));
        Assert.Equal("allow", before.PermissionDecision);

        var refused = Snapshot(2, document);
        refused.RequiredFeatures.Add(features);
        server.Pushes.Writer.TryWrite(refused);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var said = await server.Refusals.Reader.ReadAsync(wait.Token);
        Assert.Equal(2UL, said.Epoch);
        Assert.Equal(features, said.MissingFeatures);
        Assert.Contains(why, said.Reason, StringComparison.Ordinal);

        var after = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("git status"));
        Assert.Equal("deny", after.PermissionDecision);
        Assert.Contains("policy unavailable", after.Stdout, StringComparison.Ordinal);
        Assert.Equal(["local", "fail_closed"], decisions.Select(d => d.Source));

        var text = await HooklineSidecar.QueryStatusAsync(sidecar.SocketPath, json: false);
        Assert.Contains("policy epoch 2 refused", text, StringComparison.Ordinal);
        Assert.Contains(why, text, StringComparison.Ordinal);
        var json = await HooklineSidecar.QueryStatusAsync(sidecar.SocketPath, json: true);
        Assert.Contains("\"policy_refused\"", json, StringComparison.Ordinal);

        // A snapshot this sidecar can install ends the refusal.
        server.Pushes.Writer.TryWrite(Snapshot(3, Allowing));
        await WaitUntilAsync(() => sidecar.PolicyEpoch == 3, "the sidecar never installed epoch 3");
        var again = await HookClient.SendAsync(sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("git status"));
        Assert.Equal("allow", again.PermissionDecision);
        Assert.DoesNotContain("refused", await HooklineSidecar.QueryStatusAsync(sidecar.SocketPath, json: false), StringComparison.Ordinal);
    }

    [Fact]
    public void The_server_sends_the_features_a_document_uses()
    {
        var document = Policy.CompiledPolicy.Load("version: 1\nopaque_code: deny\n");
        var message = Core.SnapshotCodec.ToProto(new Policy.PolicySnapshot(7, document, DateTimeOffset.UnixEpoch));
        Assert.Equal([Policy.PolicyFeatures.OpaqueCode], message.RequiredFeatures);
        Assert.Empty(Core.SnapshotCodec.ToProto(new Policy.PolicySnapshot(8, Policy.CompiledPolicy.Load(Allowing), DateTimeOffset.UnixEpoch)).RequiredFeatures);
    }

    /// <summary>
    /// A rule for Qwen Code (<c>agents: [qwen]</c>) names an agent a sidecar from before Qwen does not know: the
    /// snapshot carries the feature <c>agent_qwen</c>, which such a sidecar refuses instead of misreading the rule.
    /// </summary>
    [Fact]
    public void A_sidecar_without_an_agents_feature_refuses_a_policy_that_names_that_agent()
    {
        const string ForQwen = "version: 1\nrules:\n  - {id: no-rm, effect: deny, match: \"Bash(rm *)\", agents: [qwen]}\n";
        var message = Core.SnapshotCodec.ToProto(new Policy.PolicySnapshot(5, Policy.CompiledPolicy.Load(ForQwen), DateTimeOffset.UnixEpoch));
        Assert.Equal(["agent_qwen"], message.RequiredFeatures);
        // Naming only the agents every sidecar with feature lists knows requires nothing.
        Assert.Empty(Core.SnapshotCodec.ToProto(new Policy.PolicySnapshot(6, Policy.CompiledPolicy.Load(ForQwen.Replace("[qwen]", "[claude, gemini]", StringComparison.Ordinal)), DateTimeOffset.UnixEpoch)).RequiredFeatures);

        var options = new SidecarOptions { SocketPath = _dir.File("unused.sock"), StateDirectory = _dir.File("state"), FailMode = SidecarFailMode.Closed };
        // The features of the engine before Qwen: opaque_code only.
        var older = new Internal.ServerStream.SnapshotHolder(options, engineFeatures: [Policy.PolicyFeatures.OpaqueCode]);
        var refusal = older.Install(message);
        Assert.NotNull(refusal);
        Assert.Equal(["agent_qwen"], refusal.MissingFeatures);
        Assert.Contains("upgrade the sidecar", refusal.Reason, StringComparison.Ordinal);
        Assert.Null(older.Usable());

        var current = new Internal.ServerStream.SnapshotHolder(options);
        Assert.Null(current.Install(message));
        Assert.Equal(5UL, current.Epoch);
    }

    private static PolicySnapshot Snapshot(ulong epoch, string document) => new()
    {
        Epoch = epoch,
        Hash = $"hash-{epoch}",
        Document = document,
        Mode = PolicyMode.Enforce,
        IssuedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
    };

    private static Task WaitUntilAsync(Func<bool> condition, string failure) => Eventually.TrueAsync(condition, TimeSpan.FromSeconds(10), () => failure);
}
