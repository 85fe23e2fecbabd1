using System.Text.Json;
using Google.Protobuf;
using Grpc.Net.Client;
using Hookline.Contracts.V1;
using Hookline.Server;

namespace Hookline.Cli.Tests;

/// <summary>
/// <c>hookline coverage</c> against a real server (Kestrel, SQLite file): through its read API (<c>--server</c>) and from
/// its data directory (<c>--data</c>), in text and JSON, with the same answer.
/// </summary>
public sealed class CoverageCliTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private HooklineServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalServer.StartAsync(_dir);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private static HookEvent Event(string session, string hookEvent, string tool, string toolUseId) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        SessionId = session,
        Agent = "claude",
        HookEventName = hookEvent,
        NativeEvent = hookEvent,
        ToolName = tool,
        NativeToolName = tool,
        ToolUseId = toolUseId,
        ToolInput = ByteString.CopyFromUtf8("""{"command":"ls"}"""),
        DecisionWanted = hookEvent == "PreToolUse",
    };

    [Fact]
    public async Task Coverage_shows_the_call_that_ran_without_a_decision_with_its_cause_from_the_server_and_from_the_data_directory()
    {
        var session = Guid.NewGuid().ToString();
        using (var channel = GrpcChannel.ForAddress(_server.GrpcAddress))
        {
            var client = new AgentService.AgentServiceClient(channel);
            await client.CreateSessionAsync(new CreateSessionRequest { SessionId = session, Agent = "claude" }, deadline: DateTime.UtcNow + Bound.Hang);
            foreach (var e in new[]
            {
                Event(session, "PreToolUse", "Bash", "toolu_governed"),
                Event(session, "PostToolUse", "Bash", "toolu_governed"),
                Event(session, "PostToolUse", "mcp__github__create_issue", "toolu_mcp"),
            })
            {
                await client.DecideOnceAsync(e, deadline: DateTime.UtcNow + Bound.Hang);
            }
        }
        var data = Path.GetDirectoryName(_server.DatabasePath)!;
        // Stored after the answer: the read side shows it once the writer got to it.
        var text = await Eventually.FoundAsync(async () =>
        {
            var run = await InProcessCli.RunAsync("coverage", "--server", _server.HttpAddress!, "--session", session);
            return run.Stdout.Contains("UNGOVERNED mcp_tool", StringComparison.Ordinal) ? run : null;
        }, Bound.Hang, () => "coverage to show the MCP call");

        Assert.Equal((0, ""), (text.Exit, text.Stderr));
        Assert.Contains($"{session} claude  ran 2: governed 1, ungoverned 1 (mcp_tool 1)", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("toolu_governed", text.Stdout, StringComparison.Ordinal);
        var fromServer = await InProcessCli.RunAsync("coverage", "--server", _server.HttpAddress!, "--session", session, "--json");
        var fromData = await InProcessCli.RunAsync("coverage", "--data", data, "--session", session, "--json");
        Assert.Equal(fromServer.Stdout, fromData.Stdout);
        var view = JsonSerializer.Deserialize(fromServer.Stdout, AuditJson.Default.CoverageView)!;
        var mcp = Assert.Single(view.Calls, c => c.Status == "ungoverned");
        Assert.Equal(("mcp__github__create_issue", "mcp_tool", "post_tool_use"), (mcp.ToolName, mcp.Cause, mcp.RanSource));
        var all = await InProcessCli.RunAsync("coverage", "--data", data);
        Assert.Contains("UNGOVERNED mcp_tool", all.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("toolu_governed", all.Stdout, StringComparison.Ordinal);
    }
}
