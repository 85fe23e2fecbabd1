using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Server.Internal.Approvals;
using Kind = Hookline.Contracts.V1.ProcessHookEventResponse.KindOneofCase;

namespace Hookline.Server.Tests;

/// <summary>What the approval tests share: a policy with an approval rule, streams that can wait, and answers.</summary>
internal static class ApprovalSupport
{
    public const string Policy = """
        version: 1
        default: allow
        rules:
          - id: prod-deploys
            effect: ask
            match: "Bash(kubectl * --context prod*)"
            approval: {by: [group:sre, user:alice], timeout: 120s, on_timeout: deny, remember: session}
        """;

    /// <summary>How long the test's hooks say they can wait: shorter than the rule's timeout, so it sets the deadline.</summary>
    public const uint WaitMs = 60_000;

    /// <summary>Answers as the local user of a server without authentication.</summary>
    public static Approver Local { get; } = new("alice", [], "", Authenticated: false);

    public static HookEvent Deploy(string sessionId, string file = "app.yaml", uint waitMs = WaitMs)
    {
        var hookEvent = Events.Bash($"kubectl apply -f {file} --context prod", sessionId);
        hookEvent.ApprovalWaitMs = waitMs;
        return hookEvent;
    }

    /// <summary>A stream whose Open announces the approval capability (or not), past its first snapshot.</summary>
    public static async Task<StreamClient> OpenAsync(TestServer server, string sessionId, bool capable = true,
        Grpc.Core.AsyncDuplexStreamingCall<ProcessHookEventRequest, ProcessHookEventResponse>? call = null)
    {
        var stream = new StreamClient(call ?? server.Client.ProcessHookEvent());
        var open = new Open { SessionId = sessionId, SidecarVersion = "test", Agent = "claude" };
        if (capable)
        {
            open.Capabilities.Add(ApprovalProtocol.SidecarCapability);
        }
        await stream.SendAsync(new ProcessHookEventRequest { Open = open });
        await stream.NextSnapshotAsync();
        return stream;
    }

    /// <summary>Decides <paramref name="hookEvent"/> and expects it pending; returns the approval it waits on.</summary>
    public static async Task<ApprovalPending> PendingAsync(StreamClient stream, HookEvent hookEvent)
    {
        var decision = await stream.DecideAsync(hookEvent);
        Assert.Equal(Verdict.Pending, decision.Verdict);
        Assert.Equal(ApprovalProtocol.PendingCode, decision.ReasonCode);
        return decision.Approval;
    }

    /// <summary>The next ApprovalResolved on the stream (acks and pushes skipped).</summary>
    public static async Task<ApprovalResolved> ResolvedAsync(StreamClient stream)
        => (await stream.ReadUntilAsync(m => m.KindCase == Kind.ApprovalResolved))[^1].ApprovalResolved;

    public static IApprovalDesk Desk(TestServer server) => server.Service<IApprovalDesk>();

    public static Task<AnswerResult> AnswerAsync(TestServer server, string id, bool approve, string? reason = null, Approver? approver = null)
        => Desk(server).AnswerAsync(approver ?? Local, id, approve, reason, ApprovalProtocol.ChannelCli, CancellationToken.None);

    /// <summary>How many answer (or timeout) rows the audit trail holds for the approval, once the writer stored them.</summary>
    public static Task<long> AnswerRowsAsync(TestServer server, string approvalId)
        => server.ScalarAsync<long>("SELECT COUNT(*) FROM events WHERE hook_event = @name AND tool_use_id = @id",
            ("@name", ApprovalProtocol.AnswerEventName), ("@id", approvalId));
}
