using System.Text.Json;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Qwen Code runs the tool on any hook answer it cannot read, GitHub Copilot CLI on output that is not JSON; exit 2
/// blocks in both. A fail-closed sidecar with no server and no snapshot must therefore deny every agent's blocking
/// event in a form that agent obeys, and input it cannot decode too: never an empty exit 0.
/// </summary>
public sealed class FailClosedAnswerTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private HooklineSidecar _sidecar = null!;

    public async Task InitializeAsync()
    {
        // Nothing listens on port 1 of loopback: the stream never opens, no snapshot ever arrives.
        _sidecar = await HooklineSidecar.StartAsync(new SidecarOptions
        {
            ServerUrl = "http://127.0.0.1:1",
            SocketPath = _dir.File("s.sock"),
            StateDirectory = _dir.File("state"),
            Budget = TimeSpan.FromSeconds(5),
            FailMode = SidecarFailMode.Closed,
            MinReconnectDelay = TimeSpan.FromMilliseconds(20),
            MaxReconnectDelay = TimeSpan.FromMilliseconds(200),
        });
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        _dir.Dispose();
    }

    [Theory]
    [MemberData(nameof(BlockingEvents.BeforeATool), MemberType = typeof(BlockingEvents))]
    public async Task A_blocking_event_without_any_policy_is_denied(string agent, string hookEvent)
    {
        var reply = await HookClient.SendAsync(_sidecar.SocketPath, agent, hookEvent, HookClient.Bash("ls"));

        AssertDenies(reply);
    }

    [Theory]
    [MemberData(nameof(BlockingEvents.BeforeATool), MemberType = typeof(BlockingEvents))]
    public async Task A_blocking_event_whose_input_cannot_be_decoded_is_denied(string agent, string hookEvent)
    {
        foreach (var stdin in new[] { "", "not json", "[1]", "{\"tool_name\":", "{\"tool_name\":\"Bash\",\"tool_input\":\"rm -rf /\"}" })
        {
            var reply = await HookClient.SendAsync(_sidecar.SocketPath, agent, hookEvent, stdin);

            AssertDenies(reply, stdin);
        }
    }

    /// <summary>Exit 2 with a reason on stderr, or exit 0 with a JSON deny in one of the shapes the agents read.</summary>
    private static void AssertDenies(HookClient.Reply reply, string because = "")
    {
        if (reply.ExitCode == 2)
        {
            Assert.False(string.IsNullOrWhiteSpace(reply.Stderr), because + ": exit 2 without a reason");
            return;
        }
        Assert.True(reply.ExitCode == 0, $"{because}: exit {reply.ExitCode}");
        using var answer = JsonDocument.Parse(reply.Stdout);
        var root = answer.RootElement;
        var decision = root.TryGetProperty("hookSpecificOutput", out var specific) && specific.TryGetProperty("permissionDecision", out var inner)
            ? inner.GetString()
            : root.TryGetProperty("permissionDecision", out var flat) ? flat.GetString()
            : root.TryGetProperty("decision", out var plain) ? plain.GetString()
            : null;
        Assert.True(decision is "deny" or "block", $"{because}: answered {reply.Stdout}");
    }
}
