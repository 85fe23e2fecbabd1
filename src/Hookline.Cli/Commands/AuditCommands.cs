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

    private static AuditLocation Location(ParseResult parse, Option<string> data, Option<string?> postgres)
        => new(parse.GetValue(data)!, parse.GetValue(postgres));

    public static Command Events()
    {
        var data = Data();
        var postgres = CommonOptions.Postgres();
        var json = Json();
        var session = new Option<string?>("--session") { Description = "Only this Hookline session" };
        var limit = new Option<int>("--limit") { Description = "The newest N events", DefaultValueFactory = _ => 1000 };
        var command = new Command("events", "List stored events with their decisions and provenance") { data, postgres, session, limit, json };
        command.SetAction(parse => Guard(() =>
        {
            var events = AuditTrail.ReadEvents(Location(parse, data, postgres), parse.GetValue(session), parse.GetValue(limit));
            if (parse.GetValue(json))
            {
                foreach (var e in events)
                {
                    Console.WriteLine(EventLine(e));
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

    /// <summary>One event as a JSON object: the shape of <c>events --json</c> and of <c>export --format jsonl</c>.</summary>
    private static string EventLine(AuditEvent e) => Line(w =>
                    {
                        w.WriteString("event_id", e.EventId);
                        w.WriteString("session_id", e.SessionId);
                        w.WriteString("agent", e.Agent);
                        w.WriteString("agent_session_id", e.AgentSessionId);
                        w.WriteString("hook_event", e.HookEvent);
                        w.WriteString("tool_name", e.ToolName);
                        w.WriteString("tool_use_id", e.ToolUseId);
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
                    });

    public static Command Export()
    {
        var data = Data();
        var postgres = CommonOptions.Postgres();
        var since = new Option<string>("--since") { Description = "How far back: 30m, 24h, 7d", DefaultValueFactory = _ => "7d" };
        var format = new Option<string>("--format") { Description = "jsonl: one JSON object per line, the keys of events --json", DefaultValueFactory = _ => "jsonl" };
        format.AcceptOnlyFromAmong("jsonl");
        var command = new Command("export", "Write the audit trail for a SIEM: every event since a time, oldest first") { data, postgres, since, format };
        command.SetAction(parse => Guard(() =>
        {
            var window = PolicyCommand.ParseWindow(parse.GetValue(since)!);
            using var output = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false)) { AutoFlush = false };
            AuditTrail.Export(Location(parse, data, postgres), DateTimeOffset.UtcNow - window, e => output.WriteLine(EventLine(e)));
            output.Flush();
            return 0;
        }));
        return command;
    }

    public static Command Verify()
    {
        var data = Data();
        var postgres = CommonOptions.Postgres();
        var command = new Command("verify", "Check the hash chain of every session; name the first broken link; exit 1 when one is broken") { data, postgres };
        command.SetAction(parse => Guard(() =>
        {
            var report = AuditTrail.Verify(Location(parse, data, postgres));
            foreach (var link in report.Broken)
            {
                Console.WriteLine($"BROKEN session {link.SessionId} at event #{link.SessionSeq} ({link.EventId}): {link.Problem}");
            }
            Console.WriteLine($"{report.Sessions} sessions, {report.Events} events checked; {report.Broken.Count} broken; " +
                $"{report.Checkpoints} chains start at a retention checkpoint; {report.Unchained} events from before chaining not checked");
            return report.Intact ? 0 : 1;
        }));
        return command;
    }

    public static Command Sessions()
    {
        var data = Data();
        var postgres = CommonOptions.Postgres();
        var json = Json();
        var command = new Command("sessions", "List sessions with their status and decision counts") { data, postgres, json };
        command.SetAction(parse => Guard(() =>
        {
            var sessions = AuditTrail.ReadSessions(Location(parse, data, postgres));
            foreach (var s in sessions)
            {
                Console.WriteLine(parse.GetValue(json)
                    ? Line(w =>
                    {
                        w.WriteString("session_id", s.SessionId);
                        w.WriteString("agent", s.Agent);
                        w.WriteString("agent_session_id", s.AgentSessionId);
                        w.WriteString("user", s.User);
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
        catch (Exception ex) when (ex is IOException or ArgumentException or Microsoft.Data.Sqlite.SqliteException or Npgsql.NpgsqlException)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }
    }
}
