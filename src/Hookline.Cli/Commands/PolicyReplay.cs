using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Policy;
using Microsoft.Data.Sqlite;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline policy replay NEW.yaml --data DIR [--since 7d]</c>: re-decides the stored blocking events under a
/// candidate policy and lists every decision that would change, so a change can be rolled out knowing what it does.
/// </summary>
internal static class PolicyReplay
{
    public sealed record Change(string EventId, DateTimeOffset Time, string Agent, string Tool, string Subject, string Before, string After, string Rules);

    public static (int Replayed, List<Change> Changes) Run(CompiledPolicy candidate, string databasePath, TimeSpan since, TimeProvider time)
    {
        var snapshot = new Policy.PolicySnapshot(0, candidate, time.GetUtcNow());
        var sessions = new Dictionary<string, PolicySessionState>(StringComparer.Ordinal);
        var changes = new List<Change>();
        var replayed = 0;
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        // Events in time order, per session, so session-aware rules see the same history as they did live.
        command.CommandText = """
            SELECT event_id, session_id, agent, hook_event, tool_name, tool_use_id, tool_input, cwd, prompt, event_time_ms,
                   COALESCE(evaluated, applied_verdict)
            FROM events
            WHERE event_time_ms >= $since AND (verdict IS NOT NULL OR applied_verdict IS NOT NULL)
              AND hook_event IN ('PreToolUse', 'PermissionRequest', 'UserPromptSubmit')
            ORDER BY event_time_ms, rowid;
            """;
        command.Parameters.AddWithValue("$since", (time.GetUtcNow() - since).ToUnixTimeMilliseconds());
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var hookEvent = new HookEvent
            {
                EventId = reader.GetString(0),
                SessionId = reader.GetString(1),
                Agent = reader.GetString(2),
                HookEventName = reader.GetString(3),
                ToolName = reader.GetString(4),
                ToolUseId = reader.GetString(5),
                ToolInput = reader.IsDBNull(6) ? ByteString.Empty : ByteString.CopyFrom((byte[])reader[6]),
                Cwd = reader.GetString(7),
                Prompt = reader.IsDBNull(8) ? "" : reader.GetString(8),
                DecisionWanted = true,
            };
            if (!sessions.TryGetValue(hookEvent.SessionId, out var session))
            {
                sessions[hookEvent.SessionId] = session = new PolicySessionState(time);
            }
            var decision = DecisionEngine.Decide(hookEvent, snapshot, session);
            var before = reader.GetString(10);
            var after = Names.Of(decision.Evaluated == Verdict.Unspecified ? decision.Verdict : decision.Evaluated);
            replayed++;
            if (before != after)
            {
                var at = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9));
                changes.Add(new Change(hookEvent.EventId, at, hookEvent.Agent, hookEvent.ToolName, Subject(hookEvent),
                    before, after, string.Join(',', decision.RuleIds)));
            }
        }
        return (replayed, changes);
    }

    private static string Subject(HookEvent hookEvent)
    {
        var text = hookEvent.ToolInput.IsEmpty ? hookEvent.Prompt : hookEvent.ToolInput.ToStringUtf8();
        return text.Length <= 120 ? text : text[..117] + "...";
    }
}
