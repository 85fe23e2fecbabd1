using Google.Protobuf;
using Hookline.Contracts.V1;
using Kind = Hookline.Contracts.V1.ProcessHookEventResponse.KindOneofCase;

namespace Hookline.Server.Tests;

/// <summary>The decision stream against a real server: snapshot first, decisions by correlation id, many at once.</summary>
public sealed class StreamTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(Policies.Standard);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_first_message_of_a_stream_is_the_policy_snapshot_in_force()
    {
        await using var stream = await _server.OpenStreamAsync();

        var snapshot = await stream.NextSnapshotAsync();

        Assert.Equal(_server.Server.PolicyEpoch, snapshot.Epoch);
        Assert.True(snapshot.Epoch > 0);
        Assert.Equal(Sha256Hex(Policies.Standard), snapshot.Hash);
        Assert.Equal(Policies.Standard, snapshot.Document);
        Assert.Equal(PolicyMode.Enforce, snapshot.Mode);
        Assert.False(snapshot.HasFailMode);
        Assert.False(snapshot.HasBudgetMs);
    }

    [Theory]
    [InlineData("rm -rf /tmp/x", Verdict.Deny, "rule", "no-force-delete", "Recursive force delete is blocked", false)]
    [InlineData("cd /tmp && FOO=1 timeout 5 rm -rf x", Verdict.Deny, "rule", "no-force-delete", "Recursive force delete is blocked", false)]
    [InlineData("git push origin main", Verdict.Ask, "rule", "confirm-push", "Pushing needs a human", false)]
    [InlineData("git status", Verdict.Allow, "rule", "git-status", "matched rule git-status", false)]
    [InlineData("ls -la", Verdict.Allow, "default", null, "no rule matched; the policy default is allow", true)]
    public async Task A_wanted_decision_comes_back_with_the_same_ids_and_the_policys_answer(
        string command, Verdict verdict, string reasonCode, string? rule, string reason, bool isDefault)
    {
        await using var stream = await _server.OpenStreamAsync();
        var snapshot = await stream.NextSnapshotAsync();
        var hookEvent = Events.Bash(command, correlationId: 4242);

        await stream.SendAsync(hookEvent);
        var message = await stream.NextAsync();

        Assert.Equal(Kind.Decision, message.KindCase);
        var decision = message.Decision;
        Assert.Equal(4242UL, decision.CorrelationId);
        Assert.Equal(hookEvent.EventId, decision.EventId);
        Assert.Equal(verdict, decision.Verdict);
        Assert.Equal(verdict, decision.Evaluated);
        Assert.Equal(reasonCode, decision.ReasonCode);
        Assert.Equal(rule is null ? [] : [rule], decision.RuleIds);
        Assert.Equal(reason, decision.Reason);
        Assert.Equal(isDefault, decision.IsDefault);
        Assert.Equal(snapshot.Epoch, decision.PolicyEpoch);
        Assert.Equal(PolicyMode.Enforce, decision.Mode);
    }

    [Fact]
    public async Task Several_streams_at_once_each_get_their_own_answers_with_overlapping_correlation_ids()
    {
        const int streams = 8;
        const int perStream = 25;
        var open = await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => _server.OpenStreamAsync()));
        try
        {
            await Task.WhenAll(open.Select(async (stream, s) =>
            {
                await stream.NextSnapshotAsync();
                // Correlation ids are per stream: every stream uses 1..perStream, with a different verdict mix.
                var sent = Enumerable.Range(1, perStream)
                    .Select(i => Events.Bash((i + s) % 2 == 0 ? $"rm -rf /s{s}/{i}" : "git status", correlationId: (ulong)i))
                    .ToArray();
                var sending = Task.Run(async () =>
                {
                    foreach (var e in sent)
                    {
                        await stream.SendAsync(e);
                    }
                });
                var decisions = new Dictionary<ulong, Decision>();
                await stream.ReadUntilAsync(m =>
                {
                    if (m.KindCase == Kind.Decision)
                    {
                        Assert.True(decisions.TryAdd(m.Decision.CorrelationId, m.Decision), $"correlation {m.Decision.CorrelationId} answered twice");
                    }
                    return decisions.Count == perStream;
                });
                await sending;
                foreach (var e in sent)
                {
                    var d = decisions[e.CorrelationId];
                    Assert.Equal(e.EventId, d.EventId);
                    Assert.Equal(e.ToolInput.ToStringUtf8().Contains("rm -rf", StringComparison.Ordinal) ? Verdict.Deny : Verdict.Allow, d.Verdict);
                }
            }));
        }
        finally
        {
            foreach (var stream in open)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Five_hundred_pipelined_events_on_one_stream_are_each_answered_exactly_once()
    {
        const int count = 500;
        await using var stream = await _server.OpenStreamAsync();
        var sessionId = Guid.NewGuid().ToString();
        var sent = Enumerable.Range(1, count)
            .Select(i => Events.Bash(i % 3 == 0 ? $"rm -rf /tmp/{i}" : i % 3 == 1 ? "git push origin main" : "ls", sessionId, (ulong)i))
            .ToDictionary(e => e.CorrelationId);

        // All written before any answer is awaited.
        foreach (var e in sent.Values)
        {
            await stream.SendAsync(e);
        }
        var decisions = new Dictionary<ulong, Decision>();
        var seen = new List<ulong>();
        await stream.ReadUntilAsync(m =>
        {
            if (m.KindCase == Kind.Decision)
            {
                seen.Add(m.Decision.CorrelationId);
                decisions[m.Decision.CorrelationId] = m.Decision;
            }
            return seen.Count == count;
        });
        // Nothing more than one answer each: whatever is still in flight comes before the Pong.
        seen.AddRange((await stream.RoundTripAsync()).Where(m => m.KindCase == Kind.Decision).Select(m => m.Decision.CorrelationId));

        Assert.Equal(count, seen.Count);
        Assert.Equal(sent.Keys.Order(), seen.Order());
        foreach (var (id, e) in sent)
        {
            Assert.Equal(e.EventId, decisions[id].EventId);
            Assert.Equal(((int)id % 3) switch { 0 => Verdict.Deny, 1 => Verdict.Ask, _ => Verdict.Allow }, decisions[id].Verdict);
        }
        await stream.ReadUntilStoredAsync([.. sent.Values.Select(e => e.EventId)]);
        Assert.Equal((long)count, await _server.ScalarAsync<long>("SELECT COUNT(*) FROM events WHERE session_id = $s", ("$s", sessionId)));
    }

    [Fact]
    public async Task Decisions_written_by_the_read_loop_while_policy_pushes_are_written_arrive_whole_and_once_each()
    {
        const int count = 300;
        const int edits = 20;
        await using var stream = await _server.OpenStreamAsync();
        var first = await stream.NextSnapshotAsync();
        var sessionId = Guid.NewGuid().ToString();
        var sent = Enumerable.Range(1, count).Select(i => Events.Bash(i % 2 == 0 ? "rm -rf /tmp/x" : "ls", sessionId, (ulong)i)).ToList();

        // The read loop writes decisions itself when the stream is idle; the pushes come from the reloading thread at
        // the same time. Interleaved writes would break the stream's framing; overlapping ones would fail the write.
        var sending = Task.Run(async () =>
        {
            foreach (var e in sent)
            {
                await stream.SendAsync(e);
            }
        });
        for (var i = 0; i < edits; i++)
        {
            Assert.True(await _server.EditPolicyAsync(i % 2 == 0 ? Policies.Edited : Policies.Standard));
        }
        await sending.WaitAsync(Bound.Hang);

        var decisions = new List<ulong>();
        var snapshots = new List<ulong>();
        await stream.ReadUntilAsync(m =>
        {
            switch (m.KindCase)
            {
                case Kind.Decision:
                    decisions.Add(m.Decision.CorrelationId);
                    break;
                case Kind.PolicySnapshot:
                    snapshots.Add(m.PolicySnapshot.Epoch);
                    break;
            }
            return decisions.Count == count && snapshots.Count == edits;
        });
        decisions.AddRange((await stream.RoundTripAsync()).Where(m => m.KindCase == Kind.Decision).Select(m => m.Decision.CorrelationId));

        Assert.Equal(sent.Select(e => e.CorrelationId), decisions);
        Assert.Equal(Enumerable.Range(1, edits).Select(i => first.Epoch + (ulong)i), snapshots);
    }

    [Fact]
    public async Task Ping_is_answered_with_its_nonce()
    {
        await using var stream = await _server.OpenStreamAsync();
        await stream.NextSnapshotAsync();

        await stream.SendAsync(new ProcessHookEventRequest { Ping = new Ping { Nonce = 77 } });

        var message = await stream.NextAsync();
        Assert.Equal(Kind.Pong, message.KindCase);
        Assert.Equal(77UL, message.Pong.Nonce);
    }

    [Fact]
    public async Task Unknown_fields_in_an_event_are_tolerated()
    {
        await using var stream = await _server.OpenStreamAsync();
        await stream.NextSnapshotAsync();
        var plain = Events.Bash("rm -rf /");
        // Field 999 of a future contract version, as raw bytes after the known ones.
        var withUnknown = HookEvent.Parser.ParseFrom(AppendUnknownField(plain.ToByteArray(), 999));
        Assert.True(withUnknown.CalculateSize() > plain.CalculateSize(), "the unknown field must survive re-serialization");

        var decision = await stream.DecideAsync(withUnknown);

        Assert.Equal(Verdict.Deny, decision.Verdict);
        Assert.Equal(plain.EventId, decision.EventId);
        await stream.ReadUntilStoredAsync(plain.EventId);
    }

    [Fact]
    public async Task A_message_kind_from_a_newer_contract_is_ignored_and_the_stream_stays_up()
    {
        await using var stream = await _server.OpenStreamAsync();
        await stream.NextSnapshotAsync();
        // A oneof member (field 50) this server does not know: it parses as an envelope with no known kind.
        var future = ProcessHookEventRequest.Parser.ParseFrom(AppendUnknownField([], 50));
        Assert.Equal(ProcessHookEventRequest.KindOneofCase.None, future.KindCase);

        await stream.SendAsync(future);
        var before = await stream.RoundTripAsync();
        var decision = await stream.DecideAsync(Events.Bash("git push origin main"));

        Assert.Empty(before);
        Assert.Equal(Verdict.Ask, decision.Verdict);
    }

    [Fact]
    public async Task An_unknown_enum_value_in_an_applied_decision_is_stored_not_rejected()
    {
        await using var stream = await _server.OpenStreamAsync();
        await stream.NextSnapshotAsync();
        var replay = Events.Bash("ls", decisionWanted: false);
        replay.Applied = new AppliedDecision { Verdict = (Verdict)17, Source = (DecisionSource)42, PolicyEpoch = 1 };

        await stream.SendAsync(replay);
        var read = await stream.ReadUntilStoredAsync(replay.EventId);

        Assert.DoesNotContain(read, m => m.KindCase == Kind.Decision);
        Assert.Equal("unspecified|unspecified", await _server.ScalarAsync<string>(
            "SELECT applied_verdict || '|' || applied_source FROM events WHERE event_id = $id", ("$id", replay.EventId)));
    }

    internal static byte[] AppendUnknownField(byte[] message, int fieldNumber)
    {
        using var buffer = new MemoryStream();
        buffer.Write(message);
        var output = new CodedOutputStream(buffer);
        output.WriteTag(fieldNumber, WireFormat.WireType.LengthDelimited);
        output.WriteString("from a future contract");
        output.Flush();
        return buffer.ToArray();
    }

    internal static string Sha256Hex(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
