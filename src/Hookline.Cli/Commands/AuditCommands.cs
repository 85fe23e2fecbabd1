using System.CommandLine;
using System.Text.Json;
using Hookline.Server;

namespace Hookline.Cli.Commands;

/// <summary><c>hookline events</c> and <c>hookline sessions</c>: what the audit trail holds, for people, scripts and tests.</summary>
internal static class AuditCommands
{
    private static Option<string> Data() => new("--data")
    {
        Description = "The server's data directory (hookline.db)",
        DefaultValueFactory = _ => HooklineServerOptions.DefaultDataDirectory(),
    };

    private static Option<bool> Json() => new("--json") { Description = "One JSON object per line" };

    public static Command Events()
    {
        var data = Data();
        var json = Json();
        var session = new Option<string?>("--session") { Description = "Only this Hookline session" };
        var limit = new Option<int>("--limit") { Description = "The newest N events", DefaultValueFactory = _ => 1000 };
        var command = new Command("events", "List stored events with their decisions and provenance") { data, session, limit, json };
        command.SetAction(parse => Guard(() =>
        {
            var events = AuditTrail.ReadEvents(parse.GetValue(data)!, parse.GetValue(session), parse.GetValue(limit));
            if (parse.GetValue(json))
            {
                foreach (var e in events)
                {
                    Console.WriteLine(Line(w =>
                    {
                        w.WriteString("event_id", e.EventId);
                        w.WriteString("session_id", e.SessionId);
                        w.WriteString("agent", e.Agent);
                        w.WriteString("agent_session_id", e.AgentSessionId);
                        w.WriteString("hook_event", e.HookEvent);
                        w.WriteString("tool_name", e.ToolName);
                        w.WriteString("tool_use_id", e.ToolUseId);
                        w.WriteString("user", e.User);
                        w.WriteString("org", e.Org);
                        w.WriteBoolean("authenticated", e.Authenticated);
                        w.WriteString("tool_input", e.ToolInput);
                        w.WriteString("decision", e.Decision);
                        w.WriteString("applied", e.Applied);
                        w.WriteString("source", e.Source);
                        w.WriteString("reason", e.Reason);
                        w.WriteString("reason_code", e.ReasonCode);
                        w.WriteStartArray("rule_ids");
                        foreach (var id in e.RuleIds.Split(',', StringSplitOptions.RemoveEmptyEntries))
                        {
                            w.WriteStringValue(id);
                        }
                        w.WriteEndArray();
                        if (e.PolicyEpoch is { } epoch)
                        {
                            w.WriteNumber("policy_epoch", epoch);
                        }
                        else
                        {
                            w.WriteNull("policy_epoch");
                        }
                        w.WriteString("mode", e.Mode);
                        w.WriteString("occurred_at", e.OccurredAt);
                        w.WriteString("decided_at", e.DecidedAt);
                        w.WriteString("stored_at", e.StoredAt);
                    }));
                }
                return 0;
            }
            Console.WriteLine($"{"time",-24} {"agent",-7} {"event",-18} {"tool",-12} {"applied",-7} {"source",-12} {"rules",-20} reason");
            foreach (var e in events)
            {
                Console.WriteLine($"{e.OccurredAt:yyyy-MM-dd HH:mm:ss.fff}Z {e.Agent,-7} {e.HookEvent,-18} {e.ToolName,-12} " +
                    $"{e.Applied ?? "-",-7} {e.Source,-12} {e.RuleIds,-20} {e.Reason}");
            }
            return 0;
        }));
        return command;
    }

    public static Command Sessions()
    {
        var data = Data();
        var json = Json();
        var command = new Command("sessions", "List sessions with their status and decision counts") { data, json };
        command.SetAction(parse => Guard(() =>
        {
            var sessions = AuditTrail.ReadSessions(parse.GetValue(data)!);
            foreach (var s in sessions)
            {
                Console.WriteLine(parse.GetValue(json)
                    ? Line(w =>
                    {
                        w.WriteString("session_id", s.SessionId);
                        w.WriteString("agent", s.Agent);
                        w.WriteString("agent_session_id", s.AgentSessionId);
                        w.WriteString("user", s.User);
                        w.WriteString("org", s.Org);
                        w.WriteBoolean("authenticated", s.Authenticated);
                        w.WriteString("cwd", s.Cwd);
                        w.WriteString("status", s.Status);
                        w.WriteString("created_at", s.CreatedAt);
                        w.WriteString("last_seen", s.LastSeen);
                        if (s.EndedAt is { } ended)
                        {
                            w.WriteString("ended_at", ended);
                        }
                        w.WriteNumber("events", s.Events);
                        w.WriteNumber("denied", s.Denied);
                        w.WriteNumber("asked", s.Asked);
                    })
                    : $"{s.SessionId} {s.Agent,-7} {s.Status,-12} {s.CreatedAt:u} events {s.Events} denied {s.Denied} asked {s.Asked} {s.Cwd}");
            }
            return 0;
        }));
        return command;
    }

    private static string Line(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception ex) when (ex is IOException or Microsoft.Data.Sqlite.SqliteException)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }
    }
}
