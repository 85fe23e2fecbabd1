using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal;

internal sealed partial class SqliteStore
{
    /// <summary>
    /// Who each session and event belongs to. Added column by column when missing, on every start: idempotent, and
    /// independent of the schema version, so a file from an older server gains them in place.
    /// </summary>
    private void EnsureIdentityColumns()
    {
        AddColumnIfMissing("sessions", "org", "TEXT NOT NULL DEFAULT ''");
        AddColumnIfMissing("sessions", "authenticated", "INTEGER NOT NULL DEFAULT 0");
        AddColumnIfMissing("sessions", "token_id", "TEXT");
        AddColumnIfMissing("events", "user_name", "TEXT NOT NULL DEFAULT ''");
        AddColumnIfMissing("events", "org", "TEXT NOT NULL DEFAULT ''");
        AddColumnIfMissing("events", "authenticated", "INTEGER NOT NULL DEFAULT 0");
    }

    private void AddColumnIfMissing(string table, string column, string definition)
    {
        lock (_writerLock)
        {
            using var check = _writer.CreateCommand();
            check.CommandText = "SELECT COUNT(*) FROM pragma_table_info($table) WHERE name = $column;";
            check.Parameters.AddWithValue("$table", table);
            check.Parameters.AddWithValue("$column", column);
            if (Convert.ToInt64(check.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0)
            {
                return;
            }
            using var alter = _writer.CreateCommand();
            alter.CommandText = $"ALTER TABLE {table} ADD COLUMN {column} {definition};";
            try
            {
                alter.ExecuteNonQuery();
            }
            catch (SqliteException ex) when (ex.Message.Contains("duplicate column", StringComparison.Ordinal))
            {
                // Another process (a CLI, a second server) added it between the check and the ALTER.
            }
        }
    }
}
