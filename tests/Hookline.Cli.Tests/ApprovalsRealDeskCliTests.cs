using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Server;
using Kind = Hookline.Contracts.V1.ProcessHookEventResponse.KindOneofCase;

namespace Hookline.Cli.Tests;

/// <summary>
/// <c>hookline approvals</c> against a server's own desk (tokens on): a call held on a real stream, as a sidecar's
/// would be, is listed, and approved or denied from the command line; the stream gets the answer with who gave it
/// and channel <c>cli</c>.
/// </summary>
public sealed class ApprovalsRealDeskCliTests : IAsyncLifetime
{
    private const string Policy = """
        version: 1
        default: allow
        rules:
          - id: prod-deploys
            effect: ask
            match: "Bash(kubectl * --context prod*)"
            approval: {by: [group:sre], timeout: 120s, on_timeout: deny}
        """;

    private readonly TempDir _dir = new();
    private HooklineServer _server = null!;
    private GrpcChannel _channel = null!;
    private string _approver = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_dir.File("approval-policy.yaml"), Policy);
        _server = await LocalServer.StartAsync(_dir, o =>
        {
            o.Auth = ServerAuthMode.Required;
            o.PolicyFile = _dir.File("approval-policy.yaml");
        });
        _channel = GrpcChannel.ForAddress(_server.GrpcAddress);
        _approver = LocalServer.TokenFile(_dir, "approver", TokenScope.Approve, "bob", "sre");
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private Task<CliResult> RunAsync(params string[] args)
        => InProcessCli.RunAsync([.. args, "--server", _server.HttpAddress!, "--token-file", _approver]);

    /// <summary>A stream of a sidecar that can wait, holding <paramref name="command"/> pending; the approval's id.</summary>
    private async Task<(AsyncDuplexStreamingCall<ProcessHookEventRequest, ProcessHookEventResponse> Call, string ApprovalId)> HoldAsync(string command)
    {
        var sidecar = Tokens.Create(_dir.File("data"), "sidecar-" + Guid.NewGuid().ToString("N")[..8], TokenScope.Sidecar, "dev", null).Token;
        var call = new AgentService.AgentServiceClient(_channel).ProcessHookEvent(
            new Metadata { { "authorization", "Bearer " + sidecar } }, DateTime.UtcNow + Bound.Hang);
        var session = Guid.NewGuid().ToString();
        await call.RequestStream.WriteAsync(new ProcessHookEventRequest
        {
            Open = new Open { SessionId = session, SidecarVersion = "test", Agent = "codex", Capabilities = { ApprovalProtocol.SidecarCapability } },
        });
        await NextAsync(call, Kind.PolicySnapshot);
        await call.RequestStream.WriteAsync(new ProcessHookEventRequest
        {
            Event = new HookEvent
            {
                CorrelationId = 1, EventId = Guid.NewGuid().ToString(), SessionId = session, Agent = "codex", HookEventName = "PreToolUse",
                NativeEvent = "PreToolUse", ToolName = "Bash", NativeToolName = "Bash", ToolUseId = "call_1", DecisionWanted = true,
                ToolInput = ByteString.CopyFromUtf8(JsonSerializer.Serialize(new Dictionary<string, string> { ["command"] = command })),
                ApprovalWaitMs = 60_000,
            },
        });
        var decision = (await NextAsync(call, Kind.Decision)).Decision;
        Assert.Equal(Verdict.Pending, decision.Verdict);
        return (call, decision.Approval.ApprovalId);
    }

    private static async Task<ProcessHookEventResponse> NextAsync(AsyncDuplexStreamingCall<ProcessHookEventRequest, ProcessHookEventResponse> call, Kind kind)
    {
        while (await call.ResponseStream.MoveNext().WaitAsync(Bound.Hang))
        {
            if (call.ResponseStream.Current.KindCase == kind)
            {
                return call.ResponseStream.Current;
            }
        }
        throw new InvalidOperationException($"the stream ended before a {kind}");
    }

    [Fact]
    public async Task A_held_call_is_listed_then_approved_or_denied_from_the_command_line()
    {
        var (approveCall, approveId) = await HoldAsync("kubectl apply -f app.yaml --context prod");
        var (denyCall, denyId) = await HoldAsync("kubectl delete ns web --context prod");
        using (approveCall)
        using (denyCall)
        {
            var listed = await RunAsync("approvals", "list");
            var json = await RunAsync("approvals", "list", "--json");
            var approved = await RunAsync("approvals", "approve", approveId);
            var allowed = (await NextAsync(approveCall, Kind.ApprovalResolved)).ApprovalResolved;
            var denied = await RunAsync("approvals", "deny", denyId, "--reason", "not during the freeze");
            var refused = (await NextAsync(denyCall, Kind.ApprovalResolved)).ApprovalResolved;
            var again = await RunAsync("approvals", "approve", denyId);

            Assert.Equal((0, ""), (listed.Exit, listed.Stderr));
            var line = Assert.Single(listed.Stdout.Split('\n'), l => l.StartsWith(approveId, StringComparison.Ordinal));
            Assert.Contains("kubectl apply -f app.yaml --context prod", line, StringComparison.Ordinal);
            Assert.Contains(" dev ", line, StringComparison.Ordinal);
            Assert.Contains("group:sre", line, StringComparison.Ordinal);
            var views = json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonSerializer.Deserialize(l, ApprovalJsonContext.Default.ApprovalView)!).ToList();
            Assert.Equal(new[] { approveId, denyId }.Order(), views.Select(v => v.Id).Order());
            Assert.Equal((0, ""), (approved.Exit, approved.Stderr));
            Assert.Equal((Verdict.Allow, "bob", ApprovalProtocol.ChannelCli), (allowed.Verdict, allowed.AnsweredBy, allowed.Channel));
            Assert.Equal(0, denied.Exit);
            Assert.Equal(Verdict.Deny, refused.Verdict);
            Assert.Contains("not during the freeze", refused.Reason, StringComparison.Ordinal);
            Assert.Equal(1, again.Exit);
            Assert.Contains("409", again.Stderr, StringComparison.Ordinal);
            Assert.Contains("already_resolved", again.Stderr, StringComparison.Ordinal);
        }
    }
}
