using Google.Protobuf;
using Hookline.Cli.Clients;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Policy;
using Microsoft.Data.Sqlite;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline policy replay NEW.yaml --data DIR|--server URL [--since 7d]</c>: re-decides the stored blocking events under a
/// candidate policy and lists every decision that would change, so a change can be rolled out knowing what it does.
/// </summary>
internal static class PolicyReplay
{
    public sealed record Change(string EventId, DateTimeOffset Time, string Agent, string Tool, string Subject, string Before, string After, string Rules);

    /// <summary>One stored blocking event, as replay needs it.</summary>
    public sealed record Row(HookEvent Event, long TimeMs, string Before);

    public static (int Replayed, List<Change> Changes) Run(CompiledPolicy candidate, string databasePath, TimeSpan since, TimeProvider time)
        => Run(candidate, ReadStore(databasePath, (time.GetUtcNow() - since).ToUnixTimeMilliseconds()), time);

    /// <summary>Replays <paramref name="rows"/>, which come in time order, under <paramref name="candidate"/>.</summary>
    public static (int Replayed, List<Change> Changes) Run(CompiledPolicy candidate, IEnumerable<Row> rows, TimeProvider time)
    {
        var snapshot = new Policy.PolicySnapshot(0, candidate, time.GetUtcNow());
        var sessions = new Dictionary<string, PolicySessionState>(StringComparer.Ordinal);
        var changes = new List<Change>();
        var replayed = 0;
        foreach (var (hookEvent, timeMs, before) in rows)
        {
            if (!sessions.TryGetValue(hookEvent.SessionId, out var session))
            {
                sessions[hookEvent.SessionId] = session = new PolicySessionState(time);
            }
            var decision = DecisionEngine.Decide(hookEvent, snapshot, session);
            var after = Names.Of(decision.Evaluated == Verdict.Unspecified ? decision.Verdict : decision.Evaluated);
            replayed++;
            if (before != after)
            {
                changes.Add(new Change(hookEvent.EventId, DateTimeOffset.FromUnixTimeMilliseconds(timeMs), hookEvent.Agent,
                    hookEvent.ToolName, Subject(hookEvent), before, after, string.Join(',', decision.RuleIds)));
            }
        }
        return (replayed, changes);
    }

    private static IEnumerable<Row> ReadStore(string databasePath, long sinceMs)
    {
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
        command.Parameters.AddWithValue("$since", sinceMs);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return new Row(new HookEvent
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
            }, reader.GetInt64(9), reader.GetString(10));
        }
    }

    /// <summary>
    /// The same rows from a running server's read API, oldest first. Prompts come from the raw input, which the API
    /// shows with secrets masked, so a rule on a secret inside a prompt may replay differently.
    /// </summary>
    public static async Task<List<Row>> ReadApiAsync(ApiClient api, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var rows = new List<Row>();
        foreach (var e in await api.EventsAsync(new Hookline.Server.EventFilter(Since: since), int.MaxValue, oldestFirst: true, cancellationToken))
        {
            if (e.HookEvent is not ("PreToolUse" or "PermissionRequest" or "UserPromptSubmit") || (e.Decision == "none" && e.Applied is null))
            {
                continue;
            }
            var prompt = "";
            if (e.HookEvent == "UserPromptSubmit")
            {
                var raw = await api.GetAsync($"api/events/{Uri.EscapeDataString(e.EventId)}/raw", Hookline.Server.AuditJson.Default.RawEventView, cancellationToken);
                prompt = raw.Prompt ?? "";
            }
            rows.Add(new Row(new HookEvent
            {
                EventId = e.EventId,
                SessionId = e.SessionId,
                Agent = e.Agent,
                HookEventName = e.HookEvent,
                ToolName = e.ToolName,
                ToolUseId = e.ToolUseId,
                ToolInput = e.ToolInput is null ? ByteString.Empty : ByteString.CopyFromUtf8(e.ToolInput),
                Cwd = e.Cwd ?? "",
                Prompt = prompt,
                DecisionWanted = true,
            }, e.OccurredAt.ToUnixTimeMilliseconds(), e.Decision != "none" ? e.Decision : e.Applied!));
        }
        return rows;
    }

    private static string Subject(HookEvent hookEvent)
    {
        var text = hookEvent.ToolInput.IsEmpty ? hookEvent.Prompt : hookEvent.ToolInput.ToStringUtf8();
        return text.Length <= 120 ? text : text[..117] + "...";
    }
}
