using System.Data.Common;

namespace Hookline.Server.Internal.Storage;

internal abstract partial class AuditStore
{
    /// <summary>
    /// Applies the schema steps after <paramref name="version"/>, each in a transaction of its own that also records it
    /// in <c>schema_version</c>, so a step is applied once. A database from a newer Hookline is refused.
    /// </summary>
    /// <param name="recorded">More SQL for the step's transaction, given the step's number (SQLite's user_version).</param>
    protected void Migrate(DbConnection connection, int version, IReadOnlyList<string> steps, string location,
        Func<int, string>? recorded = null)
    {
        if (version > steps.Count)
        {
            // This server would not know what a newer Hookline's columns mean: leave the database alone.
            throw new InvalidOperationException(
                $"{location} has schema version {version}; this server knows up to {steps.Count}. Upgrade Hookline.");
        }
        using var command = connection.CreateCommand();
        for (var next = version + 1; next <= steps.Count; next++)
        {
            using var transaction = connection.BeginTransaction();
            command.Transaction = transaction;
            command.CommandText = steps[next - 1] + $"""

                INSERT INTO schema_version (version, applied_at_ms) VALUES ({next}, {Time.GetUtcNow().ToUnixTimeMilliseconds()});
                {recorded?.Invoke(next)}
                """;
            command.ExecuteNonQuery();
            transaction.Commit();
            command.Transaction = null;
        }
    }
}
