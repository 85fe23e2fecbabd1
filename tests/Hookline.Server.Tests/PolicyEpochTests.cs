using Hookline.Contracts.V1;
using Hookline.Policy;
using Kind = Hookline.Contracts.V1.ProcessHookEventResponse.KindOneofCase;

namespace Hookline.Server.Tests;

/// <summary>Epochs rise with every accepted change, survive restarts, and a broken edit never replaces the policy in force.</summary>
public sealed class PolicyEpochTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_restart_on_the_same_data_with_the_same_policy_keeps_the_epoch()
    {
        ulong first;
        await using (var server = await TestServer.StartAsync(_dir, Policies.Standard))
        {
            first = server.Server.PolicyEpoch;
        }

        await using var restarted = await TestServer.StartAsync(_dir, Policies.Standard);
        await using var stream = await restarted.OpenStreamAsync();
        var snapshot = await stream.NextSnapshotAsync();

        Assert.Equal(first, restarted.Server.PolicyEpoch);
        Assert.Equal(first, snapshot.Epoch);
    }

    [Fact]
    public async Task A_restart_with_a_changed_policy_gives_the_next_epoch()
    {
        ulong first;
        await using (var server = await TestServer.StartAsync(_dir, Policies.Standard))
        {
            first = server.Server.PolicyEpoch;
        }

        await using var restarted = await TestServer.StartAsync(_dir, Policies.Edited);

        Assert.Equal(first + 1, restarted.Server.PolicyEpoch);
    }

    [Fact]
    public async Task An_edit_gives_the_next_epoch_pushed_on_open_streams_and_a_revert_gives_yet_another()
    {
        await using var server = await TestServer.StartAsync(_dir, Policies.Standard);
        await using var stream = await server.OpenStreamAsync();
        var original = await stream.NextSnapshotAsync();
        var curl = Events.Bash("curl https://example.com");
        Assert.Equal(Verdict.Allow, (await stream.DecideAsync(curl)).Verdict);

        Assert.True(await server.EditPolicyAsync(Policies.Edited));
        var edited = await stream.NextSnapshotAsync();

        Assert.Equal(original.Epoch + 1, edited.Epoch);
        Assert.Equal(original.Epoch + 1, server.Server.PolicyEpoch);
        Assert.Equal(StreamTests.Sha256Hex(Policies.Edited), edited.Hash);
        Assert.Equal(Policies.Edited, edited.Document);
        var denied = await stream.DecideAsync(Events.Bash("curl https://example.com"));
        Assert.Equal(Verdict.Deny, denied.Verdict);
        Assert.Equal(["no-curl"], denied.RuleIds);
        Assert.Equal(edited.Epoch, denied.PolicyEpoch);

        Assert.True(await server.EditPolicyAsync(Policies.Standard));
        var reverted = await stream.NextSnapshotAsync();

        Assert.Equal(original.Epoch + 2, reverted.Epoch);
        Assert.Equal(original.Hash, reverted.Hash);
        var allowed = await stream.DecideAsync(Events.Bash("curl https://example.com"));
        Assert.Equal(Verdict.Allow, allowed.Verdict);
        Assert.Equal(reverted.Epoch, allowed.PolicyEpoch);
    }

    [Fact]
    public async Task A_reload_of_an_unchanged_file_is_not_a_new_epoch()
    {
        await using var server = await TestServer.StartAsync(_dir, Policies.Standard);
        await using var stream = await server.OpenStreamAsync();
        var snapshot = await stream.NextSnapshotAsync();

        Assert.False(server.Server.ReloadPolicy());

        Assert.Equal(snapshot.Epoch, server.Server.PolicyEpoch);
        Assert.DoesNotContain(await stream.RoundTripAsync(), m => m.KindCase == Kind.PolicySnapshot);
    }

    public static TheoryData<string, string> BrokenEdits => new()
    {
        {
            "yaml syntax",
            """
            version: 1
            default: allow
            rules:
              - id: no-force-delete
                effect: [deny
                match: "Bash(rm -rf *)"
            """
        },
        {
            "unknown effect",
            """
            version: 1
            default: allow
            rules:
              - id: no-force-delete
                effect: permit
                match: "Bash(rm -rf *)"
            """
        },
        {
            "unparsable match",
            """
            version: 1
            default: allow
            rules:
              - id: no-force-delete
                effect: deny
                match: "Bash(rm -rf *"
            """
        },
        { "empty file", "" },
    };

    [Theory]
    [MemberData(nameof(BrokenEdits))]
    public async Task A_broken_edit_is_refused_and_the_previous_snapshot_still_decides(string what, string broken)
    {
        await using var server = await TestServer.StartAsync(_dir, Policies.Standard);
        await using var stream = await server.OpenStreamAsync();
        var snapshot = await stream.NextSnapshotAsync();

        Assert.False(await server.EditPolicyAsync(broken), $"a policy with {what} was accepted");

        Assert.Equal(snapshot.Epoch, server.Server.PolicyEpoch);
        Assert.DoesNotContain(await stream.RoundTripAsync(), m => m.KindCase == Kind.PolicySnapshot);
        var decision = await stream.DecideAsync(Events.Bash("rm -rf /"));
        Assert.Equal(Verdict.Deny, decision.Verdict);
        Assert.Equal(["no-force-delete"], decision.RuleIds);
        Assert.Equal(snapshot.Epoch, decision.PolicyEpoch);

        // Fixing the file afterwards is accepted as the next epoch: the refused document used none.
        Assert.True(await server.EditPolicyAsync(Policies.Edited));
        Assert.Equal(snapshot.Epoch + 1, (await stream.NextSnapshotAsync()).Epoch);
    }

    [Theory]
    [InlineData("deleted")]
    [InlineData("replaced by a directory")]
    public async Task A_policy_file_that_cannot_be_read_keeps_the_snapshot_in_force(string what)
    {
        await using var server = await TestServer.StartAsync(_dir, Policies.Standard);
        await using var stream = await server.OpenStreamAsync();
        var snapshot = await stream.NextSnapshotAsync();
        File.Delete(server.PolicyFile);
        if (what == "replaced by a directory")
        {
            Directory.CreateDirectory(server.PolicyFile);
        }

        Assert.False(server.Server.ReloadPolicy());

        Assert.Equal(snapshot.Epoch, server.Server.PolicyEpoch);
        var decision = await stream.DecideAsync(Events.Bash("rm -rf /"));
        Assert.Equal(Verdict.Deny, decision.Verdict);
        Assert.Equal(snapshot.Epoch, decision.PolicyEpoch);
    }

    [Fact]
    public async Task A_server_started_with_an_invalid_policy_fails_with_line_and_column()
    {
        const string broken = """
            version: 1
            default: allow
            rules:
              - id: no-force-delete
                effect: permit
                match: "Bash(rm -rf *)"
            """;

        var ex = await Assert.ThrowsAsync<PolicyException>(() => TestServer.StartAsync(_dir, broken));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(5, error.Line);
        Assert.True(error.Column > 0);
        Assert.Contains($"policy.yaml:{error.Line}:{error.Column}:", ex.Message);
        Assert.Contains("allow, ask, deny", ex.Message);
    }

    [Theory]
    [MemberData(nameof(BrokenEdits))]
    public async Task A_server_started_with_any_broken_policy_fails_with_positions(string what, string broken)
    {
        var ex = await Assert.ThrowsAsync<PolicyException>(() => TestServer.StartAsync(_dir, broken));

        Assert.NotEmpty(ex.Errors);
        Assert.All(ex.Errors, e => Assert.True(e.Line > 0 && e.Column > 0, e.ToString()));
        Assert.Matches(@"policy\.yaml:\d+:\d+: ", ex.Message);
        Assert.NotEmpty(what);
    }
}
