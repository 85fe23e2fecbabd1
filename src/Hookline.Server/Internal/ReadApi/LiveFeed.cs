using System.Collections.Concurrent;
using System.Threading.Channels;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Server.Internal.Metrics;
using Hookline.Server.Internal.Storage.Postgres;
using Hookline.Server.Internal.Storage;

namespace Hookline.Server.Internal.ReadApi;

/// <summary>
/// Hands every stored event to the live-feed subscribers (dashboard, <c>hookline tail</c>). Fed by the audit writer
/// after each batch, so it never touches the decision path. Each subscriber has a small bounded queue; one that
/// falls behind is dropped (it reconnects), never waited for. This server's own events also go to the OTLP export,
/// when there is one (other replicas export theirs).
/// </summary>
internal sealed class LiveFeed(IAuditStore store, OtlpExport? export = null)
{
    public const int QueueSize = 512;
    private readonly ConcurrentDictionary<Subscriber, byte> _subscribers = new();
    // Session id → user name, for the feed's "user" column; bounded so a long-running server does not grow.
    private readonly ConcurrentDictionary<string, string> _users = new(StringComparer.Ordinal);

    public int SubscriberCount => _subscribers.Count;

    // With PostgreSQL, done once this replica hears the other replicas' batches (see ReplicaFeed); at once otherwise.
    private readonly TaskCompletionSource _replicasHeard = NewHeard(store);

    private static TaskCompletionSource NewHeard(IAuditStore store)
    {
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (store is not PostgresStore)
        {
            heard.SetResult();
        }
        return heard;
    }

    /// <summary>Completes once events stored by any replica reach this feed, not only this server's own.</summary>
    public Task ReplicasHeard => _replicasHeard.Task;

    public void HearingReplicas() => _replicasHeard.TrySetResult();

    /// <summary>A new subscriber to the events that pass <paramref name="filter"/>, of <paramref name="org"/> only unless it is null.</summary>
    public Subscriber Subscribe(EventFilter filter, string? org)
    {
        var subscriber = new Subscriber(this, filter, org);
        _subscribers.TryAdd(subscriber, 0);
        return subscriber;
    }

    /// <summary>This server's stored batch, from its audit writer.</summary>
    public void Publish(IReadOnlyList<AuditRecord> batch, long storedAtMs)
    {
        if (_subscribers.IsEmpty && export is null)
        {
            return;
        }
        foreach (var record in batch)
        {
            var user = record.Event.User is { Length: > 0 } own ? own : UserOf(record.Event.SessionId);
            var view = ToView(record, storedAtMs, user);
            export?.Publish(view);
            if (!_subscribers.IsEmpty)
            {
                Offer(view);
            }
        }
    }

    /// <summary>Events read back from the store, stored by another replica (see <see cref="ReplicaFeed"/>).</summary>
    public void Publish(IEnumerable<EventView> stored)
    {
        foreach (var view in stored)
        {
            Offer(view with { Cursor = null });
        }
    }

    private void Offer(EventView view)
    {
        // One event can arrive twice: from this server's writer and inside another replica's announced range.
        lock (_recentLock)
        {
            if (!_recent.Add(view.EventId + "|" + view.Source))
            {
                return;
            }
        }
        foreach (var subscriber in _subscribers.Keys)
        {
            subscriber.Offer(view);
        }
    }

    // The last few thousand keys published, oldest forgotten first; the writer and ReplicaFeed both offer.
    private readonly Hookline.Policy.RecentKeys _recent = new(4096);
    private readonly Lock _recentLock = new();

    private string? UserOf(string sessionId)
    {
        if (_users.TryGetValue(sessionId, out var user))
        {
            return user;
        }
        if (_users.Count > 10_000)
        {
            _users.Clear();
        }
        // Called by the audit writer on its own storage thread, never a request's: waiting here holds up no request.
        var session = store.FindSessionAsync(sessionId).AsTask().GetAwaiter().GetResult();
        if (session is not null)
        {
            _users[sessionId] = session.User;
        }
        return session?.User;
    }

    /// <summary>The same mapping as the stored row read back by <see cref="AuditReader"/>.</summary>
    public static EventView ToView(AuditRecord record, long storedAtMs, string? user)
    {
        var e = record.Event;
        var d = record.Decision;
        var applied = e.Applied;
        var occurred = e.Time is null ? record.ReceivedAtUnixMs : e.Time.ToDateTimeOffset().ToUnixTimeMilliseconds();
        var ruleIds = applied is not null ? applied.RuleIds.ToArray() : d is not null ? d.RuleIds.ToArray() : [];
        return new EventView(
            e.EventId, e.SessionId, e.Agent, e.AgentSessionId, e.HookEventName, e.ToolName, e.ToolUseId,
            e.ToolInput.IsEmpty ? null : Redactor.RedactStored(e.ToolInput.ToStringUtf8()),
            d is null ? "none" : Names.Of(d.Evaluated),
            applied is not null ? Names.Of(applied.Verdict) : d is null ? null : Names.Of(d.Verdict),
            applied is not null ? Names.Of(applied.Source) : d is null ? "non_blocking" : "remote",
            Redactor.RedactStored(applied is not null ? applied.Reason : d?.Reason),
            d?.ReasonCode ?? "",
            ruleIds,
            applied is not null ? (long)applied.PolicyEpoch : d is null ? null : (long)d.PolicyEpoch,
            d is null ? null : d.Mode switch
            {
                PolicyMode.Observe => "observe",
                PolicyMode.Disabled => "disabled",
                PolicyMode.Enforce => "enforce",
                _ => null,
            },
            DateTimeOffset.FromUnixTimeMilliseconds(occurred),
            DateTimeOffset.FromUnixTimeMilliseconds(record.ReceivedAtUnixMs),
            DateTimeOffset.FromUnixTimeMilliseconds(storedAtMs),
            user, e.Cwd, applied is null ? null : (long)applied.LatencyUs)
        {
            Org = e.Org,
            Authenticated = record.Authenticated,
        };
    }

    /// <summary>One live-feed client.</summary>
    internal sealed class Subscriber(LiveFeed feed, EventFilter filter, string? org) : IDisposable
    {
        private readonly Channel<EventView> _queue = Channel.CreateBounded<EventView>(new BoundedChannelOptions(QueueSize)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

        /// <summary>True once it fell behind and was cut off.</summary>
        public bool Dropped { get; private set; }

        public ChannelReader<EventView> Reader => _queue.Reader;

        public void Offer(EventView view)
        {
            // The same org rule as the read API's SQL (e.org = @org): another org's event never enters the queue.
            if ((org is null || view.Org == org) && filter.Matches(view) && !_queue.Writer.TryWrite(view) && !Dropped)
            {
                Dropped = true;
                _queue.Writer.TryComplete();
                feed._subscribers.TryRemove(this, out _);
            }
        }

        public void Dispose()
        {
            feed._subscribers.TryRemove(this, out _);
            _queue.Writer.TryComplete();
        }
    }
}
