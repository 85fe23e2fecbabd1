using System.Data.Common;

namespace Hookline.Server.Internal.Storage;

internal abstract partial class AuditStore
{
    /// <summary>
    /// Returns the epoch for a policy document being put in force. A document identical to the one in force keeps
    /// its epoch (a restart is not a change); any other document, an old one included, gets the next epoch.
    /// </summary>
    public ulong AcceptPolicy(string hash, string document, string source, long nowMs)
        => AcceptPolicy(hash, document, source, appliedBy: "", nowMs, onlyIfNone: false).Epoch;

    /// <summary>
    /// Stores a policy document as the newest epoch, under <see cref="LockPolicies"/> so that writers agree on the
    /// order. With <paramref name="onlyIfNone"/>, a database that already holds a policy keeps it and returns that one.
    /// </summary>
    public StoredPolicy AcceptPolicy(string hash, string document, string source, string appliedBy, long nowMs, bool onlyIfNone)
    {
        using var write = BeginWrite();
        LockPolicies(write);
        var latest = LatestPolicy(write.Connection, write.Transaction);
        if (latest is not null && (latest.Hash == hash || onlyIfNone))
        {
            write.Commit();
            return latest;
        }
        using var insert = write.Command("""
            INSERT INTO policy_epochs (hash, document, source, applied_by, applied_at_ms)
            VALUES (@hash, @document, @source, @applied_by, @now) RETURNING epoch;
            """);
        Add(insert, "hash", hash);
        Add(insert, "document", document);
        Add(insert, "source", source);
        Add(insert, "applied_by", appliedBy);
        Add(insert, "now", nowMs);
        var epoch = Convert.ToUInt64(insert.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        AnnouncePolicy(write, epoch);
        write.Commit();
        return new StoredPolicy(epoch, hash, document, source, appliedBy, nowMs);
    }

    protected static StoredPolicy? LatestPolicy(DbConnection connection, DbTransaction? transaction)
    {
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT epoch, hash, document, source, applied_by, applied_at_ms FROM policy_epochs ORDER BY epoch DESC LIMIT 1;";
        using var reader = select.ExecuteReader();
        return reader.Read()
            ? new StoredPolicy((ulong)reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetInt64(5))
            : null;
    }
}

/// <summary>One row of <c>policy_epochs</c>.</summary>
internal sealed record StoredPolicy(ulong Epoch, string Hash, string Document, string Source, string AppliedBy, long AppliedAtMs);
