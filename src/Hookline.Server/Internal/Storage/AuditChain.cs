using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Hookline.Server.Internal.Storage;

/// <summary>
/// The tamper-evidence chain: every stored event carries the hash of the previous event of its session.
/// <list type="bullet">
/// <item><c>session_seq</c> numbers a session's events 1, 2, 3... in storage order;</item>
/// <item><c>hash</c> = SHA-256(previous hash, session_seq, every column as first stored except the applied decision);</item>
/// <item><c>applied_hash</c> = SHA-256(hash, the applied-decision columns): a replay that reports what the sidecar
///   applied may fill those columns in later (once: see <see cref="BatchPlan"/>), so they are sealed apart, bound to
///   the row's own link. Any later change to them, or to the seal alone, breaks the seal.</item>
/// </list>
/// Links are computed by whoever stores the batch, while it holds the session (the SQLite writer lock, or a
/// PostgreSQL advisory lock per session held to commit), so replicas writing one session after a failover extend one chain.
/// </summary>
internal static class AuditChain
{
    /// <summary>Extra columns of a chained row, after <see cref="EventColumns.Names"/>.</summary>
    public static readonly string[] Columns = ["session_seq", "prev_hash", "hash", "applied_hash"];

    /// <summary>Indexes into <see cref="EventColumns.Names"/> of the columns the link covers, and of the applied ones.</summary>
    public static readonly int[] Covered = EventColumns.Names
        .Select((name, i) => (name, i))
        .Where(c => !EventColumns.Applied.Contains(c.name) && c.name != "stored_at_ms")
        .Select(c => c.i).ToArray();

    public static readonly int[] AppliedIndexes = EventColumns.Applied.Select(n => Array.IndexOf(EventColumns.Names, n)).ToArray();

    /// <summary>The hash of a session's first event's predecessor.</summary>
    public const string Genesis = "";

    public static string Link(string previousHash, long sessionSeq, IReadOnlyList<object?> values)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, previousHash);
        Append(hash, sessionSeq);
        foreach (var index in Covered)
        {
            Append(hash, values[index]);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    public static string Applied(string rowHash, IReadOnlyList<object?> values)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, rowHash);
        foreach (var index in AppliedIndexes)
        {
            Append(hash, values[index]);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>
    /// Length-prefixed bytes; null is length -1. Numbers hash as their decimal text and text as UTF-8, so a value
    /// hashes the same whichever type the database hands back for it.
    /// </summary>
    private static void Append(IncrementalHash hash, object? value)
    {
        var bytes = value switch
        {
            null or DBNull => null,
            byte[] raw => raw,
            string text => Encoding.UTF8.GetBytes(text),
            long number => Encoding.ASCII.GetBytes(number.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            int number => Encoding.ASCII.GetBytes(number.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            _ => throw new InvalidOperationException($"no canonical form for {value.GetType().Name}"),
        };
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes?.Length ?? -1);
        hash.AppendData(length);
        if (bytes is not null)
        {
            hash.AppendData(bytes);
        }
    }
}

/// <summary>One row to insert: the event's columns followed by its chain columns.</summary>
internal sealed record PlannedInsert(string EventId, object?[] Values);

/// <summary>A replay's applied decision, written over a row already stored, with its new seal.</summary>
internal sealed record PlannedUpdate(string EventId, object?[] Values, string AppliedHash);

/// <summary>What the store already holds under an event id of a batch.</summary>
/// <param name="Hash">The row's link (null: stored before chaining).</param>
/// <param name="AppliedReported">A sidecar or hook reported the decision it applied (else the server's answer stands in).</param>
internal sealed record StoredEvent(string SessionId, string? Hash, bool AppliedReported, string? AppliedVerdict, string? AppliedSource)
{
    /// <summary>What the rollups count of the stored row (null for a row only planned in this batch).</summary>
    public CountedEvent? Counted { get; init; }
}

/// <summary>What storing a batch did: replays that changed nothing, and records refused (by their index in the batch).</summary>
internal sealed record BatchOutcome(int Duplicates, IReadOnlyDictionary<int, Contracts.V1.RejectedEvent> Rejected)
{
    public static readonly BatchOutcome Empty = new(0, new Dictionary<int, Contracts.V1.RejectedEvent>());

    /// <summary>The causes of the tool calls this batch found ungoverned (coverage), one per call.</summary>
    public IReadOnlyList<string> Ungoverned { get; init; } = [];
}

/// <summary>What a batch does to the store once duplicates are known: shared by both backends so they chain alike.</summary>
/// <remarks>
/// Dedup is by (session, event id): an event id stored under one session is refused under any other. The applied
/// decision is written once: a replay may fill it in where only the server's own answer stands in, and a later
/// different value is refused (the same value again is a duplicate).
/// </remarks>
internal sealed class BatchPlan
{
    public const string EventIdTaken = "event_id_taken";
    public const string AppliedAlreadyRecorded = "applied_already_recorded";

    private static readonly int Width = EventColumns.Names.Length;
    private static readonly int VerdictIndex = Array.IndexOf(EventColumns.Names, "applied_verdict");
    private static readonly int SourceIndex = Array.IndexOf(EventColumns.Names, "applied_source");

    public List<PlannedInsert> Inserts { get; } = [];
    public List<PlannedUpdate> Updates { get; } = [];
    public int Duplicates { get; private set; }
    public Dictionary<int, Contracts.V1.RejectedEvent> Rejected { get; } = [];

    public BatchOutcome Outcome => new(Duplicates, Rejected);

    /// <param name="stored">What the store holds under the batch's event ids.</param>
    /// <param name="lastLink">The last (session_seq, hash) of a session, or (0, genesis) for a new one.</param>
    public static BatchPlan Create(IReadOnlyList<AuditRecord> batch, long storedAtMs,
        IReadOnlyDictionary<string, StoredEvent> stored, Func<string, (long Seq, string Hash)> lastLink)
    {
        var plan = new BatchPlan();
        var heads = new Dictionary<string, (long Seq, string Hash)>(StringComparer.Ordinal);
        var planned = new Dictionary<string, (PlannedInsert Insert, bool Reported)>(StringComparer.Ordinal);
        for (var position = 0; position < batch.Count; position++)
        {
            var record = batch[position];
            var values = new object?[Width + AuditChain.Columns.Length];
            EventColumns.Fill(record, storedAtMs, values);
            var id = record.Event.EventId;
            var session = record.Event.SessionId;
            var hasApplied = record.Event.Applied is not null;
            if (planned.TryGetValue(id, out var earlier))
            {
                var existing = new StoredEvent((string)earlier.Insert.Values[1]!, null, earlier.Reported,
                    (string?)earlier.Insert.Values[VerdictIndex], (string?)earlier.Insert.Values[SourceIndex]);
                if (plan.Judge(position, existing, session, values, hasApplied) == Replay.FillApplied)
                {
                    // The event and its applied replay in one batch: one row, with the applied decision.
                    foreach (var index in AuditChain.AppliedIndexes)
                    {
                        earlier.Insert.Values[index] = values[index];
                    }
                    earlier.Insert.Values[Width + 3] = AuditChain.Applied((string)earlier.Insert.Values[Width + 2]!, earlier.Insert.Values);
                    planned[id] = (earlier.Insert, true);
                }
                continue;
            }
            if (stored.TryGetValue(id, out var row))
            {
                if (plan.Judge(position, row, session, values, hasApplied) == Replay.FillApplied)
                {
                    plan.Updates.Add(new PlannedUpdate(id, values, AuditChain.Applied(row.Hash ?? AuditChain.Genesis, values)));
                }
                continue;
            }
            if (!heads.TryGetValue(session, out var head))
            {
                head = lastLink(session);
            }
            var seq = head.Seq + 1;
            var hash = AuditChain.Link(head.Hash, seq, values);
            values[Width] = seq;
            values[Width + 1] = head.Hash;
            values[Width + 2] = hash;
            values[Width + 3] = AuditChain.Applied(hash, values);
            heads[session] = (seq, hash);
            var insert = new PlannedInsert(id, values);
            planned[id] = (insert, hasApplied);
            plan.Inserts.Add(insert);
        }
        return plan;
    }

    private enum Replay
    {
        Duplicate,
        FillApplied,
        Refused,
    }

    /// <summary>What a message for an event id already stored (or planned) may do.</summary>
    private Replay Judge(int position, StoredEvent existing, string session, object?[] values, bool hasApplied)
    {
        var id = (string)values[0]!;
        if (!string.Equals(existing.SessionId, session, StringComparison.Ordinal))
        {
            Refuse(position, id, EventIdTaken, "the event id is already stored under another session");
            return Replay.Refused;
        }
        if (!hasApplied)
        {
            Duplicates++;
            return Replay.Duplicate;
        }
        if (!existing.AppliedReported)
        {
            return Replay.FillApplied;
        }
        if (string.Equals(existing.AppliedVerdict, (string?)values[VerdictIndex], StringComparison.Ordinal)
            && string.Equals(existing.AppliedSource, (string?)values[SourceIndex], StringComparison.Ordinal))
        {
            Duplicates++;
            return Replay.Duplicate;
        }
        Refuse(position, id, AppliedAlreadyRecorded,
            $"the applied decision is already recorded ({existing.AppliedVerdict}, {existing.AppliedSource}) and is written once");
        return Replay.Refused;
    }

    private void Refuse(int position, string eventId, string code, string reason)
        => Rejected[position] = new Contracts.V1.RejectedEvent { EventId = eventId, ReasonCode = code, Reason = reason };
}
