namespace Hookline.Server.Internal.Storage.Sqlite;

internal sealed partial class SqliteStore
{
    /// <summary>
    /// Returns the epoch for a policy document being put in force. A document identical to the one in force keeps
    /// its epoch (a restart is not a change); any other document, an old one included, gets the next epoch.
    /// </summary>
    public ulong AcceptPolicy(string hash, string document, string source, long nowMs)
    {
        lock (_writerLock)
        {
            using var transaction = _writer.BeginTransaction();
            using var latest = _writer.CreateCommand();
            latest.Transaction = transaction;
            latest.CommandText = "SELECT epoch, hash FROM policy_epochs ORDER BY epoch DESC LIMIT 1;";
            using (var reader = latest.ExecuteReader())
            {
                if (reader.Read() && reader.GetString(1) == hash)
                {
                    return (ulong)reader.GetInt64(0);
                }
            }
            using var insert = _writer.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO policy_epochs (hash, document, source, applied_at_ms) VALUES ($hash, $document, $source, $now);
                SELECT last_insert_rowid();
                """;
            insert.Parameters.AddWithValue("$hash", hash);
            insert.Parameters.AddWithValue("$document", document);
            insert.Parameters.AddWithValue("$source", source);
            insert.Parameters.AddWithValue("$now", nowMs);
            var epoch = Convert.ToUInt64(insert.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            transaction.Commit();
            return epoch;
        }
    }
}
