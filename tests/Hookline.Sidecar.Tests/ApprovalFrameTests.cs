using System.Buffers.Binary;
using System.Text;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Shared;
using Hookline.Sidecar.Internal.Agents;
using Hookline.Sidecar.Internal.Decisions;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// Issue 17's frames (request version 2 with the hook's deadline, the interim reply), hostile ones included; what a
/// local decision does with an approval; and that no adapter ever turns a verdict it does not know into an allow.
/// </summary>
public sealed class ApprovalFrameTests
{
    [Fact]
    public void A_version_2_request_carries_the_hooks_deadline_to_the_sidecar()
    {
        var frame = HookFrame.EncodeRequest("claude", "pre-tool-use", "{}"u8, budgetMs: 4200, approvalWaitMs: 569_000);

        var payload = frame.AsMemory(HookFrame.LengthPrefixBytes);
        Assert.Equal(HookFrame.RequestVersion, payload.Span[0]);
        var deadlineAt = 3 + "claude".Length + 1 + "pre-tool-use".Length;
        Assert.Equal(4200u, BinaryPrimitives.ReadUInt32BigEndian(payload.Span[deadlineAt..]));
        Assert.Equal(569_000u, BinaryPrimitives.ReadUInt32BigEndian(payload.Span[(deadlineAt + 4)..]));
        var request = HookRequest.TryDecode(payload, out var error);
        Assert.Null(error);
        Assert.Equal(TimeSpan.FromMilliseconds(569_000), request!.ApprovalWait);
        Assert.Equal("{}", Encoding.UTF8.GetString(request.Stdin.Span));
    }

    [Fact]
    public void A_version_1_request_still_reads_and_cannot_wait()
    {
        var request = HookRequest.TryDecode(HookFrameTests.Request("codex", "pre-tool-use", "{}"), out var error);

        Assert.Null(error);
        Assert.Equal(("codex", "pre-tool-use", TimeSpan.Zero), (request!.Agent, request.Event, request.ApprovalWait));
        Assert.Equal(0u, ApprovalHold.WaitMsOf(request));
    }

    [Fact]
    public void A_wait_over_the_hooks_cap_is_read_as_the_cap()
    {
        var request = HookRequest.TryDecode(HookFrame.EncodeRequest("claude", "pre-tool-use", [], approvalWaitMs: uint.MaxValue)
            .AsMemory(HookFrame.LengthPrefixBytes), out _);

        Assert.Equal(TimeSpan.FromMilliseconds(AgentNames.ApprovalWaitCapMs), request!.ApprovalWait);
        Assert.Equal((uint)AgentNames.ApprovalWaitCapMs - 1000, ApprovalHold.WaitMsOf(request));
    }

    [Theory]
    // The deadline cut short, after a whole event name.
    [InlineData(new byte[] { 2, 0, 1, (byte)'c', 1, (byte)'e', 0, 0, 0, 1, 0, 0 }, "header is truncated")]
    // No room for the deadline at all.
    [InlineData(new byte[] { 2, 0, 0, 0 }, "header is truncated")]
    [InlineData(new byte[] { 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "version 3, expected 1 or 2")]
    public void Hostile_version_2_requests_are_refused_with_a_reason(byte[] payload, string expected)
    {
        Assert.Null(HookRequest.TryDecode(payload, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_interim_reply_the_sidecar_writes_is_the_one_the_hook_reads()
    {
        var frame = ReplyFrame.EncodeInterim(121_000, "waiting for approval by group:sre (up to 120 s)");

        Assert.Equal((uint)(frame.Length - HookFrame.LengthPrefixBytes), HookFrame.ReadLength(frame));
        var payload = frame[HookFrame.LengthPrefixBytes..];
        Assert.True(ReplyFrame.IsInterim(payload));
        Assert.True(ReplyFrame.TryParseInterim(payload, out var waitMs, out var message, out var problem), problem);
        Assert.Equal(121_000u, waitMs);
        Assert.Equal("waiting for approval by group:sre (up to 120 s)", Encoding.UTF8.GetString(message));
        // A final reply is not an interim one, and an interim one is no final reply.
        Assert.False(ReplyFrame.IsInterim(HookReply.Empty.ToFrame()[HookFrame.LengthPrefixBytes..]));
        Assert.False(ReplyFrame.TryParse(payload, out _, out var notFinal));
        Assert.Contains("version 2", notFinal, StringComparison.Ordinal);
    }

    [Fact]
    public void An_interim_message_is_cut_at_its_cap()
    {
        var frame = ReplyFrame.EncodeInterim(1, new string('x', 5000));

        Assert.True(ReplyFrame.TryParseInterim(frame[HookFrame.LengthPrefixBytes..], out _, out var message, out var problem), problem);
        Assert.Equal(ReplyFrame.MaxInterimMessageBytes, message.Length);
    }

    public static TheoryData<byte[], string> HostileInterims => new()
    {
        { [2, 0, 0], "shorter than its fixed fields" },
        { Interim(1000, 10, "short"), "message length overruns the frame" },
        { Interim(1000, uint.MaxValue, "x"), "message length overruns the frame" },
        { [.. Interim(1000, 1, "x"), 0], "1 trailing bytes" },
        { Interim(1000, 2000, new string('x', 2000)), "over the 1024-byte cap" },
        { [1, 0, 0, 0, 0, 0, 0, 0, 0], "interim reply version 1" },
    };

    [Theory]
    [MemberData(nameof(HostileInterims))]
    public void Hostile_interim_replies_are_refused_with_a_reason(byte[] payload, string expected)
    {
        Assert.False(ReplyFrame.TryParseInterim(payload, out _, out _, out var problem));
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    /// <summary>An interim payload with the message length declared as given, whatever the message's real length.</summary>
    internal static byte[] Interim(uint waitMs, uint declaredLength, string message)
    {
        var text = Encoding.UTF8.GetBytes(message);
        var payload = new byte[9 + text.Length];
        payload[0] = 2;
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(1), waitMs);
        BinaryPrimitives.WriteUInt32BigEndian(payload.AsSpan(5), declaredLength);
        text.CopyTo(payload, 9);
        return payload;
    }

    [Theory]
    [InlineData(Verdict.Deny, Verdict.Deny)]
    [InlineData(Verdict.Ask, Verdict.Ask)]
    // on_timeout is never allow: a policy or server that says so gets a deny.
    [InlineData(Verdict.Allow, Verdict.Deny)]
    public void A_local_decision_that_needs_approval_applies_on_timeout_and_never_approves(Verdict onTimeout, Verdict applied)
    {
        var local = new Decision
        {
            Verdict = Verdict.Ask,
            Reason = "prod deploys need a person",
            ReasonCode = "rule",
            RuleIds = { "prod-deploys" },
            ApprovalRequired = new ApprovalRequirement { Approvers = { "group:sre", "user:alice" }, OnTimeout = onTimeout, TimeoutMs = 120_000 },
        };

        Assert.True(ApprovalHold.NeedsApproval(local));
        var (outcome, decision) = ApprovalHold.Unreachable(local);

        Assert.Equal((applied, DecisionSource.ApprovalTimeout, false), (outcome.Verdict, outcome.Source, outcome.IsDefault));
        Assert.Equal(ApprovalProtocol.UnsupportedCode, decision.ReasonCode);
        Assert.Equal(["prod-deploys"], decision.RuleIds);
        Assert.Contains("group:sre, user:alice", outcome.Reason, StringComparison.Ordinal);
        Assert.Contains("server cannot be reached", outcome.Reason, StringComparison.Ordinal);
        Assert.False(ApprovalHold.NeedsApproval(new Decision { Verdict = Verdict.Ask }));
    }

    public static TheoryData<string, string> BlockingEvents()
    {
        var data = new TheoryData<string, string>();
        foreach (var agent in AgentNames.All)
        {
            foreach (var hookEvent in new[] { "pre-tool-use", "permission-request", "user-prompt-submit", "before-tool", "before-agent",
                "before-shell-execution", "before-mcp-execution", "before-read-file", "before-submit-prompt", "user-prompt-submitted" })
            {
                if (agent.IsBlocking(hookEvent))
                {
                    data.Add(agent.Name, hookEvent);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(BlockingEvents))]
    public void Every_adapter_answers_a_verdict_it_does_not_know_as_a_deny(string agent, string hookEvent)
    {
        var adapter = AgentAdapters.Find(agent)!;
        foreach (var unknown in new[] { Verdict.Pending, Verdict.Unspecified, (Verdict)99 })
        {
            var reply = adapter.Encode(hookEvent, new HookOutcome(unknown, false, "who knows", DecisionSource.Remote));
            var stdout = Encoding.UTF8.GetString(reply.Stdout.Span);

            Assert.DoesNotContain("\"allow\"", stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("\"continue\":true", stdout, StringComparison.Ordinal);
            Assert.True(reply.ExitCode == 2 || stdout.Contains("deny", StringComparison.Ordinal) || stdout.Contains("block", StringComparison.Ordinal)
                || stdout.Contains("\"continue\":false", StringComparison.Ordinal), $"{agent} {hookEvent} {unknown}: '{stdout}' exit {reply.ExitCode}");
        }
    }
}
