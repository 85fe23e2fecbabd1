using System.Threading.Channels;
using Grpc.Core;
using Hookline.Contracts.V1;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// A stand-in server on loopback for approvals, as the real one behaves on the stream: it answers each blocking event
/// with what the test's <see cref="Decide"/> returns (a PENDING decision, say), records what the sidecar sends (Open,
/// events and their amendments, AwaitApproval), passes on the resolutions the test gives it, and can break the stream.
/// </summary>
internal sealed class ApprovalServer : StandInServer
{
    public Func<HookEvent, Decision?> Decide { get; set; } = _ => null;

    /// <summary>The policy document of the snapshot each stream opens with (the sidecar's local fallback).</summary>
    public string Document { get; set; } = "version: 1\nrules:\n  - {id: git-read, effect: allow, match: \"Bash(git status*)\"}\n";

    public Channel<Open> Opens { get; } = Channel.CreateUnbounded<Open>();

    public Channel<HookEvent> Events { get; } = Channel.CreateUnbounded<HookEvent>();

    public Channel<AwaitApproval> Awaits { get; } = Channel.CreateUnbounded<AwaitApproval>();

    /// <summary>Every DecisionLatencies message the sidecar sent.</summary>
    public Channel<DecisionLatencies> Latencies { get; } = Channel.CreateUnbounded<DecisionLatencies>();

    /// <summary>Acknowledges events as stored on the stream open now (false when none is).</summary>
    public bool Acknowledge(params string[] eventIds) =>
        Current is { } stream && stream.Writer.TryWrite(new ProcessHookEventResponse { StoredAck = new StoredAck { EventIds = { eventIds } } });

    /// <summary>The outgoing messages of the stream open now.</summary>
    public Channel<ProcessHookEventResponse>? Current { get; private set; }

    /// <summary>Sends a resolution on the stream open now (false when none is).</summary>
    public bool Resolve(ApprovalResolved resolved) =>
        Current is { } stream && stream.Writer.TryWrite(new ProcessHookEventResponse { ApprovalResolved = resolved });

    /// <summary>Ends the stream open now with an error, as a server killed or restarted would.</summary>
    public void BreakStream() => Current?.Writer.TryComplete(new RpcException(new Status(StatusCode.Unavailable, "broken by the test")));

    public static Task<ApprovalServer> StartAsync() => StandInServer.StartAsync(new ApprovalServer());

    /// <summary>A PENDING decision for <paramref name="hookEvent"/>, as the server sends one.</summary>
    public static Decision Pending(HookEvent hookEvent, string approvalId, TimeSpan expiresIn, Verdict onTimeout = Verdict.Deny, params string[] approvers)
    {
        var decision = new Decision
        {
            CorrelationId = hookEvent.CorrelationId,
            EventId = hookEvent.EventId,
            Verdict = Verdict.Pending,
            Reason = "approval needed",
            ReasonCode = Core.ApprovalProtocol.PendingCode,
            RuleIds = { "prod-deploys" },
            PolicyEpoch = 1,
            Approval = new ApprovalPending
            {
                ApprovalId = approvalId,
                ExpiresAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow + expiresIn),
                OnTimeout = onTimeout,
                RuleId = "prod-deploys",
            },
        };
        decision.Approval.Approvers.Add(approvers.Length > 0 ? approvers : ["group:sre"]);
        return decision;
    }

    public override async Task ProcessHookEvent(IAsyncStreamReader<ProcessHookEventRequest> requestStream,
        IServerStreamWriter<ProcessHookEventResponse> responseStream, ServerCallContext context)
    {
        var outgoing = Channel.CreateUnbounded<ProcessHookEventResponse>();
        var cancellation = context.CancellationToken;
        outgoing.Writer.TryWrite(new ProcessHookEventResponse
        {
            PolicySnapshot = new PolicySnapshot
            {
                Epoch = 1,
                Hash = "hash-1",
                Document = Document,
                Mode = PolicyMode.Enforce,
                IssuedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            },
        });
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var request in requestStream.ReadAllAsync(cancellation))
                {
                    switch (request.KindCase)
                    {
                        case ProcessHookEventRequest.KindOneofCase.Open:
                            Current = outgoing;
                            Opens.Writer.TryWrite(request.Open);
                            break;
                        case ProcessHookEventRequest.KindOneofCase.Ping:
                            outgoing.Writer.TryWrite(new ProcessHookEventResponse { Pong = new Pong { Nonce = request.Ping.Nonce } });
                            break;
                        case ProcessHookEventRequest.KindOneofCase.Latencies:
                            Latencies.Writer.TryWrite(request.Latencies);
                            break;
                        case ProcessHookEventRequest.KindOneofCase.AwaitApproval:
                            Awaits.Writer.TryWrite(request.AwaitApproval);
                            break;
                        case ProcessHookEventRequest.KindOneofCase.Event:
                            Events.Writer.TryWrite(request.Event);
                            if (request.Event.DecisionWanted && Decide(request.Event) is { } decision)
                            {
                                outgoing.Writer.TryWrite(new ProcessHookEventResponse { Decision = decision });
                            }
                            break;
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or RpcException)
            {
            }
            outgoing.Writer.TryComplete();
        }, CancellationToken.None);
        // The one writer: ends when the stream is done, or with the error BreakStream put in.
        await foreach (var response in outgoing.Reader.ReadAllAsync(cancellation))
        {
            await responseStream.WriteAsync(response, cancellation);
        }
        await reader.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
