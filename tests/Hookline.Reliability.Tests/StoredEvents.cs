using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Hookline.Reliability.Tests;

/// <summary>One row of the server's audit trail, as the scenario checks it.</summary>
internal sealed record StoredEvent(string EventId, string ToolUseId, string HookEvent, string? Applied, string Source, string? Evaluated,
    long StoredAtMs);

/// <summary>What the server's audit trail (SQLite file or PostgreSQL) holds for a session, read while the server may still write.</summary>
internal sealed class StoredEvents
{
    private StoredEvents(List<StoredEvent> rows) => Rows = rows;

    public List<StoredEvent> Rows { get; }

    public static async Task<StoredEvents> ReadAsync(string databasePath, string sessionId)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        return await ReadAsync(connection, sessionId);
    }

    /// <summary>The same rows from a PostgreSQL database that server replicas share.</summary>
    public static async Task<StoredEvents> ReadPostgresAsync(string connectionString, string sessionId)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        return await ReadAsync(connection, sessionId);
    }

    private static async Task<StoredEvents> ReadAsync(DbConnection connection, string sessionId)
    {
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT event_id, tool_use_id, hook_event, applied_verdict, applied_source, evaluated, stored_at_ms
            FROM events WHERE session_id = @session
            """;
        var session = command.CreateParameter();
        session.ParameterName = "session";
        session.Value = sessionId;
        command.Parameters.Add(session);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<StoredEvent>();
        while (await reader.ReadAsync())
        {
            rows.Add(new StoredEvent(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetInt64(6)));
        }
        return new StoredEvents(rows);
    }

    /// <summary>Rows per agent tool_use_id: each tool call the agent made must be there exactly once.</summary>
    public Dictionary<string, int> ByToolUseId() => Rows.Where(r => r.ToolUseId.Length > 0)
        .GroupBy(r => r.ToolUseId).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Counts the sent cases that are missing (lost) and stored more than once (duplicated).</summary>
    public (int Stored, int Duplicated, int Lost) Account(IEnumerable<HookCase> sent)
    {
        var byId = ByToolUseId();
        int stored = 0, duplicated = 0, lost = 0;
        foreach (var hookCase in sent)
        {
            var count = byId.GetValueOrDefault(hookCase.ToolUseId);
            stored += Math.Min(count, 1);
            duplicated += Math.Max(count - 1, 0);
            lost += count == 0 ? 1 : 0;
        }
        return (stored, duplicated, lost);
    }

    public int CountSource(string source, string hookEvent = "PreToolUse") =>
        Rows.Count(r => r.Source == source && r.HookEvent == hookEvent);
}
