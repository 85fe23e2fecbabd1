using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Hookline.Server.Internal;

/// <summary>
/// The tamper-evidence chain: every stored event carries the hash of the previous event of its session.
/// <list type="bullet">
/// <item><c>session_seq</c> numbers a session's events 1, 2, 3... in storage order;</item>
/// <item><c>hash</c> = SHA-256(previous hash, session_seq, every column as first stored except the applied decision);</item>
/// <item><c>applied_hash</c> = SHA-256(hash, the applied-decision columns): a replay that reports what the sidecar
///   applied may rewrite those columns later, so they are sealed apart, bound to the row's own link.</item>
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

/// <summary>What a batch does to the store once duplicates are known: shared by both backends so they chain alike.</summary>
internal sealed class BatchPlan
{
    public List<PlannedInsert> Inserts { get; } = [];
    public List<PlannedUpdate> Updates { get; } = [];
    public int Duplicates { get; private set; }

    /// <param name="stored">Hashes of the batch's event ids already in the store (null hash: stored before chaining).</param>
    /// <param name="lastLink">The last (session_seq, hash) of a session, or (0, genesis) for a new one.</param>
    public static BatchPlan Create(IReadOnlyList<AuditRecord> batch, long storedAtMs,
        IReadOnlyDictionary<string, string?> stored, Func<string, (long Seq, string Hash)> lastLink)
    {
        var plan = new BatchPlan();
        var heads = new Dictionary<string, (long Seq, string Hash)>(StringComparer.Ordinal);
        var planned = new Dictionary<string, PlannedInsert>(StringComparer.Ordinal);
        var width = EventColumns.Names.Length;
        foreach (var record in batch)
        {
            var values = new object?[width + AuditChain.Columns.Length];
            EventColumns.Fill(record, storedAtMs, values);
            var id = record.Event.EventId;
            var hasApplied = record.Event.Applied is not null;
            if (planned.TryGetValue(id, out var earlier))
            {
                if (hasApplied)
                {
                    // The event and its applied replay in one batch: one row, with the applied decision.
                    foreach (var index in AuditChain.AppliedIndexes)
                    {
                        earlier.Values[index] = values[index];
                    }
                    earlier.Values[width + 3] = AuditChain.Applied((string)earlier.Values[width + 2]!, earlier.Values);
                }
                else
                {
                    plan.Duplicates++;
                }
                continue;
            }
            if (stored.TryGetValue(id, out var rowHash))
            {
                if (hasApplied)
                {
                    plan.Updates.Add(new PlannedUpdate(id, values, AuditChain.Applied(rowHash ?? AuditChain.Genesis, values)));
                }
                else
                {
                    plan.Duplicates++;
                }
                continue;
            }
            var session = record.Event.SessionId;
            if (!heads.TryGetValue(session, out var head))
            {
                head = lastLink(session);
            }
            var seq = head.Seq + 1;
            var hash = AuditChain.Link(head.Hash, seq, values);
            values[width] = seq;
            values[width + 1] = head.Hash;
            values[width + 2] = hash;
            values[width + 3] = AuditChain.Applied(hash, values);
            heads[session] = (seq, hash);
            var insert = new PlannedInsert(id, values);
            planned[id] = insert;
            plan.Inserts.Add(insert);
        }
        return plan;
    }
}
