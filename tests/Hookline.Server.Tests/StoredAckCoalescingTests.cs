using System.Text.Json;
using Grpc.Core;
using Hookline.Contracts.V1;
using Hookline.Server.Internal.Grpc;
using Hookline.Server.Internal.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Kind = Hookline.Contracts.V1.ProcessHookEventResponse.KindOneofCase;

namespace Hookline.Server.Tests;

/// <summary>
/// Storage acknowledgements are coalesced per stream: many stored events share one StoredAck, each id is named once,
/// refusals are not held back, and a trickle is acknowledged at once. The server's clock is a FakeTimeProvider that
/// is never advanced, so the ack delay never fires on its own: what flushes here is the count or an idle stream.
/// </summary>
public sealed class StoredAckCoalescingTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private TestServer _server = null!;

    public async Task InitializeAsync()
        => _server = await TestServer.StartAsync(Policies.Standard, o => o.TimeProvider = _time);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Many_events_on_one_stream_share_few_StoredAcks_and_each_id_is_acknowledged_once()
    {
        // An event id already stored by another session: storage refuses it on this one.
        var other = await _server.OpenStreamAsync();
        await other.NextSnapshotAsync();
        var taken = Events.Bash("ls", decisionWanted: false);
        await other.SendAsync(taken);
        await other.ReadUntilStoredAsync(taken.EventId);
        await other.DisposeAsync();

        var sessionId = Guid.NewGuid().ToString();
        await using var stream = await _server.OpenStreamAsync(sessionId);
        await stream.NextSnapshotAsync();
        // The open is handled (it writes the session's row) before the write lock is taken.
        await stream.RoundTripAsync();
        var events = Enumerable.Range(0, 300).Select(i => Events.Bash($"echo {i}", sessionId, decisionWanted: false)).ToList();
        var clash = Events.Bash("ls", sessionId, decisionWanted: false);
        clash.EventId = taken.EventId;
        events.Insert(150, clash);
        // A neighbour stream whose events reach storage in between: per-batch grouping alone would ack event by event.
        var neighbourSession = Guid.NewGuid().ToString();
        await using var neighbour = await _server.OpenStreamAsync(neighbourSession);
        await neighbour.NextSnapshotAsync();
        await neighbour.RoundTripAsync();
        var neighbourEvents = Enumerable.Range(0, 300).Select(i => Events.Bash($"echo {i}", neighbourSession, decisionWanted: false)).ToList();

        List<ProcessHookEventResponse> read;
        // The database's write lock is held while the events arrive, so they wait for storage together.
        await using (var holder = await HoldWriteLockAsync())
        {
            for (var i = 0; i < events.Count; i++)
            {
                await stream.SendAsync(events[i]);
                if (i < neighbourEvents.Count)
                {
                    await neighbour.SendAsync(neighbourEvents[i]);
                }
            }
            read = await stream.RoundTripAsync();
            await neighbour.RoundTripAsync();
        }
        var stored = events.Where(e => e != clash).Select(e => e.EventId).ToArray();
        var refused = read.Any(m => m.KindCase == Kind.StoredAck && m.StoredAck.Rejected.Count > 0);
        read.AddRange(await stream.ReadUntilAsync(m =>
        {
            refused |= m.KindCase == Kind.StoredAck && m.StoredAck.Rejected.Count > 0;
            return refused && stored.All(stream.Stored.Contains);
        }));

        var acks = read.Where(m => m.KindCase == Kind.StoredAck).Select(m => m.StoredAck).ToList();
        var named = acks.SelectMany(a => a.EventIds).ToList();
        Assert.Equal(stored.Order(), named.Order());
        Assert.Equal([clash.EventId], acks.SelectMany(a => a.Rejected).Select(r => r.EventId));
        // One ack per storage batch at most, and a refusal goes with what had collected: a handful, not 300.
        Assert.InRange(acks.Count, 1, 6);

        var neighbourIds = neighbourEvents.Select(e => e.EventId).ToArray();
        var neighbourRead = await neighbour.ReadUntilStoredAsync(neighbourIds);
        var neighbourAcks = neighbourRead.Where(m => m.KindCase == Kind.StoredAck).Select(m => m.StoredAck).ToList();
        Assert.Equal(neighbourIds.Order(), neighbourAcks.SelectMany(a => a.EventIds).Order());
        Assert.InRange(neighbourAcks.Count, 1, 6);
    }

    [Fact]
    public async Task A_refused_event_is_reported_while_acks_of_others_still_wait_for_storage()
    {
        var sessionId = Guid.NewGuid().ToString();
        await using var stream = await _server.OpenStreamAsync(sessionId);
        await stream.NextSnapshotAsync();
        await stream.RoundTripAsync();
        var waiting = Enumerable.Range(0, 20).Select(i => Events.Bash($"echo {i}", sessionId, decisionWanted: false)).ToList();
        var malformed = Events.Bash("ls", sessionId, decisionWanted: false);
        malformed.EventId = "not-a-uuid";

        await using (var holder = await HoldWriteLockAsync())
        {
            foreach (var hookEvent in waiting)
            {
                await stream.SendAsync(hookEvent);
            }
            await stream.SendAsync(malformed);
            var read = await stream.ReadUntilAsync(m => m.KindCase == Kind.StoredAck && m.StoredAck.Rejected.Any(r => r.EventId == malformed.EventId));
            // Storage is still held: none of the others is acknowledged yet, the refusal did not wait for them.
            Assert.Empty(stream.Stored);
        }
        await stream.ReadUntilStoredAsync(waiting.Select(e => e.EventId).ToArray());
    }

    [Fact]
    public async Task A_slow_trickle_is_acknowledged_event_by_event_without_waiting_for_a_batch()
    {
        var sessionId = Guid.NewGuid().ToString();
        await using var stream = await _server.OpenStreamAsync(sessionId);
        await stream.NextSnapshotAsync();
        for (var i = 0; i < 5; i++)
        {
            var hookEvent = Events.Bash("git status", sessionId);
            await stream.DecideAsync(hookEvent);
            // Bounded (Bound.Hang): no timer is due (the clock moves only between events), so only an idle stream
            // whose last ack is an ack delay old can flush this ack.
            await stream.ReadUntilStoredAsync(hookEvent.EventId);
            // A trickle: the next event comes an ack delay after this one.
            _time.Advance(new HooklineServerOptions().StoredAckDelay);
        }
    }

    [Fact]
    public async Task An_ack_waiting_for_others_goes_once_the_delay_has_passed()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var outbox = new StreamOutbox(time, TimeSpan.FromSeconds(1));
        var written = new CollectingWriter();
        using var stream = new CancellationTokenSource();
        var pump = outbox.PumpAsync(written, stream);
        var first = new AuditRecord(Events.Bash("ls"), null, 0, outbox);
        outbox.Storing();
        outbox.Storing();

        outbox.Acknowledge([first], []);
        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(written.Messages);
        time.Advance(TimeSpan.FromMilliseconds(1));
        outbox.Complete();
        await pump.WaitAsync(Bound.Hang);

        var ack = Assert.Single(written.Messages).StoredAck;
        Assert.Equal([first.Event.EventId], ack.EventIds);
    }

    [Fact]
    public async Task A_busy_stream_gets_about_one_ack_per_delay_however_fast_storage_is_and_no_id_waits_longer()
    {
        // An event stored every 100 ms, each alone in storage (the stream idle in between): before, one ack each.
        var (outbox, time, written, pump) = Start(TimeSpan.FromSeconds(1));
        var records = new List<AuditRecord>();
        for (var i = 0; i < 20; i++)
        {
            records.Add(new AuditRecord(Events.Bash($"echo {i}"), null, 0, outbox));
            outbox.Storing();
            outbox.Acknowledge([records[i]], []);
            Mark(outbox, i);
            time.Advance(TimeSpan.FromMilliseconds(100));
        }
        var messages = await EndAsync(outbox, pump, written);

        var acks = messages.Where(m => m.KindCase == Kind.StoredAck).Select(m => m.StoredAck).ToList();
        Assert.Equal(records.Select(r => r.Event.EventId), acks.SelectMany(a => a.EventIds));
        // The first at once (the stream was quiet), then one per second: 0, 1-9, 10-19 (the last sent by the stream's end).
        Assert.Equal([1, 9, 10], acks.Select(a => a.EventIds.Count));
        for (var i = 0; i + 10 < records.Count; i++)
        {
            // Stored at i × 100 ms, acknowledged by (i + 10) × 100 ms: before the mark sent then.
            Assert.True(IndexOfAck(messages, records[i]) < IndexOfMark(messages, i + 10), $"event {i} waited longer than the ack delay");
        }
    }

    [Fact]
    public async Task An_ack_waiting_for_its_turn_goes_at_once_with_a_refusal()
    {
        var (outbox, written, pump, first, second) = StartWithAnAckWaitingItsTurn();
        outbox.Storing();
        outbox.Acknowledge([], [new RejectedEvent { EventId = "refused", ReasonCode = "invalid_id" }]);
        Mark(outbox, 2);
        var messages = await EndAsync(outbox, pump, written);

        // The second waited for its turn (the first had just gone), then went with the refusal, before mark 2.
        Assert.Equal(["ack ls", "mark 1", "ack pwd refused", "mark 2"], messages.Select(Described(first, second)));
    }

    [Fact]
    public async Task The_end_of_the_stream_sends_the_ack_that_waits_for_its_turn()
    {
        var (outbox, written, pump, first, second) = StartWithAnAckWaitingItsTurn();
        var messages = await EndAsync(outbox, pump, written);

        Assert.Equal(["ack ls", "mark 1", "ack pwd"], messages.Select(Described(first, second)));
    }

    [Fact]
    public async Task A_full_ack_goes_at_once_even_when_it_is_not_the_stream_turn()
    {
        var (outbox, _, written, pump) = Start(TimeSpan.FromSeconds(1));
        var first = new AuditRecord(Events.Bash("ls"), null, 0, outbox);
        outbox.Storing();
        outbox.Acknowledge([first], []);
        var many = Enumerable.Range(0, StreamOutbox.MaxIdsPerAck).Select(i => new AuditRecord(Events.Bash($"echo {i}"), null, 0, outbox)).ToList();
        foreach (var _ in many)
        {
            outbox.Storing();
        }
        outbox.Acknowledge(many, []);
        Mark(outbox, 1);
        var messages = await EndAsync(outbox, pump, written);

        Assert.Equal(["ack ls", $"ack {StreamOutbox.MaxIdsPerAck} ids", "mark 1"], messages.Select(Described([first, .. many])));
    }

    // "ls" acknowledged at once (the stream was quiet), then "pwd" stored right after it, waiting for its turn; then mark 1.
    private static (StreamOutbox Outbox, CollectingWriter Written, Func<CancellationTokenSource, Task> Pump, AuditRecord First, AuditRecord Second)
        StartWithAnAckWaitingItsTurn()
    {
        var (outbox, _, written, pump) = Start(TimeSpan.FromSeconds(1));
        var first = new AuditRecord(Events.Bash("ls"), null, 0, outbox);
        var second = new AuditRecord(Events.Bash("pwd"), null, 0, outbox);
        outbox.Storing();
        outbox.Acknowledge([first], []);
        outbox.Storing();
        outbox.Acknowledge([second], []);
        Mark(outbox, 1);
        return (outbox, written, pump, first, second);
    }

    private static (StreamOutbox Outbox, FakeTimeProvider Time, CollectingWriter Written, Func<CancellationTokenSource, Task> Pump) Start(TimeSpan delay)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var outbox = new StreamOutbox(time, delay);
        var written = new CollectingWriter();
        return (outbox, time, written, stream => outbox.PumpAsync(written, stream));
    }

    // The pump starts only now: what was queued, in order, shows at which step each ack went.
    private static async Task<List<ProcessHookEventResponse>> EndAsync(StreamOutbox outbox, Func<CancellationTokenSource, Task> pump, CollectingWriter written)
    {
        using var stream = new CancellationTokenSource();
        var running = pump(stream);
        outbox.Complete();
        await running.WaitAsync(Bound.Hang);
        return written.Messages;
    }

    // A mark in the queue between two steps of a test (a pong carrying the step's number).
    private static void Mark(StreamOutbox outbox, int step)
        => Assert.True(outbox.TrySend(new ProcessHookEventResponse { Pong = new Pong { Nonce = (ulong)step } }));

    private static int IndexOfMark(List<ProcessHookEventResponse> messages, int step)
        => messages.FindIndex(m => m.KindCase == Kind.Pong && m.Pong.Nonce == (ulong)step);

    private static int IndexOfAck(List<ProcessHookEventResponse> messages, AuditRecord record)
        => messages.FindIndex(m => m.KindCase == Kind.StoredAck && m.StoredAck.EventIds.Contains(record.Event.EventId));

    // "mark N", "ack <command of each event> <refused ids>", or "ack N ids" for a big one.
    private static Func<ProcessHookEventResponse, string> Described(params AuditRecord[] records)
    {
        var commands = records.ToDictionary(r => r.Event.EventId, r => JsonDocument.Parse(r.Event.ToolInput.ToStringUtf8()).RootElement.GetProperty("command").GetString());
        return message => message.KindCase switch
        {
            Kind.Pong => $"mark {message.Pong.Nonce}",
            Kind.StoredAck when message.StoredAck.EventIds.Count > 2 => $"ack {message.StoredAck.EventIds.Count} ids",
            Kind.StoredAck => string.Join(' ', new[] { "ack" }
                .Concat(message.StoredAck.EventIds.Select(id => commands[id]!))
                .Concat(message.StoredAck.Rejected.Select(r => r.EventId))),
            _ => message.KindCase.ToString(),
        };
    }

    /// <summary>Another connection's write transaction on the server's SQLite file: the server's commits wait (busy timeout).</summary>
    private async Task<IAsyncDisposable> HoldWriteLockAsync()
    {
        var connection = new SqliteConnection($"Data Source={_server.Server.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        var transaction = connection.BeginTransaction(deferred: false);
        return new Held(connection, transaction);
    }

    private sealed class Held(SqliteConnection connection, SqliteTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.RollbackAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    private sealed class CollectingWriter : IServerStreamWriter<ProcessHookEventResponse>
    {
        public List<ProcessHookEventResponse> Messages { get; } = [];

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(ProcessHookEventResponse message) => WriteAsync(message, CancellationToken.None);

        public Task WriteAsync(ProcessHookEventResponse message, CancellationToken cancellationToken)
        {
            lock (Messages)
            {
                Messages.Add(message);
            }
            return Task.CompletedTask;
        }
    }
}
