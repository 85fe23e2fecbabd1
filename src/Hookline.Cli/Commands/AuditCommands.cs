using System.CommandLine;
using System.Text.Json;
using Hookline.Cli.Clients;
using Hookline.Cli.Hosting;
using Hookline.Cli.Output;
using Hookline.Server;
using Hookline.Shared;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline events</c> and <c>hookline sessions</c>: what the audit trail holds, for people, scripts and tests,
/// read from the data directory (<c>--data</c>) or from a running server's read API (<c>--server</c>), with the
/// same output either way.
/// </summary>
internal static class AuditCommands
{
    internal static Option<string> Data() => new("--data")
    {
        Description = "The server's data directory (hookline.db)",
        DefaultValueFactory = _ => HooklineServerOptions.DefaultDataDirectory(),
    };

    internal static Option<bool> Json() => new("--json") { Description = "One JSON object per line" };

    internal static AuditLocation Location(ParseResult parse, Option<string> data, Option<string?> postgres)
        => new(parse.GetValue(data)!, parse.GetValue(postgres));

    public static Command Events()
    {
        var data = Data();
        var server = ApiClient.ServerOption();
        var json = Json();
        var limit = new Option<int>("--limit") { Description = "The newest N events", DefaultValueFactory = _ => 1000 };
        var filters = FilterOptions.Create();
        var postgres = CommonOptions.Postgres();
        var tls = new ClientTlsFlags();
        var command = new Command("events", "List stored events with their decisions and provenance") { data, postgres, server, limit, json };
        filters.AddTo(command);
        tls.AddTo(command);
        command.SetAction((parse, cancellationToken) => GuardAsync(parse, async () =>
        {
            parse = tls.WithConfig(parse, command);
            var filter = filters.Read(parse);
            var max = Math.Max(1, parse.GetValue(limit));
            List<EventView> events;
            bool more;
            if (parse.GetValue(server) is { } url)
            {
                using var api = new ApiClient(url, tls.Load(parse));
                (events, more) = await api.EventsPageAsync(filter, max, oldestFirst: false, cancellationToken);
            }
            else
            {
                var location = Location(parse, data, postgres);
                events = [];
                string? cursor = null;
                do
                {
                    var page = await AuditTrail.QueryEventsAsync(location, filter, cursor, Math.Min(1000, max - events.Count));
                    events.AddRange(page.Items);
                    cursor = page.Next;
                }
                while (cursor is not null && events.Count < max);
                more = cursor is not null;
            }
            if (more)
            {
                // On stderr, so a script reading stdout still gets only events; the message says how to get the rest.
                await parse.Error().WriteLineAsync($"hookline events: showing the newest {events.Count} events; more match. " +
                    "Raise --limit, or narrow with --since, --until, --session or --decision.");
            }
            // The newest N, printed oldest first like a log.
            events.Reverse();
            if (parse.GetValue(json))
            {
                foreach (var e in events)
                {
                    parse.Out().WriteLine(JsonSerializer.Serialize(e, AuditJson.Default.EventView));
                }
                return 0;
            }
            parse.Out().WriteLine($"{"time",-24} {"agent",-7} {"event",-18} {"tool",-12} {"applied",-7} {"source",-12} {"latency",9} {"rules",-20} reason");
            foreach (var e in events)
            {
                // A remote decision's latency is the hook's wait its sidecar reported; the others' the sidecar applied.
                var latency = e.LatencyUs is { } us ? $"{us / 1000.0:0.0} ms" : "-";
                parse.Out().WriteLine($"{e.OccurredAt:yyyy-MM-dd HH:mm:ss.fff}Z {e.Agent,-7} {e.HookEvent,-18} {e.ToolName,-12} " +
                    $"{e.Applied ?? "-",-7} {e.Source,-12} {latency,9} {string.Join(',', e.RuleIds),-20} {e.Reason}");
            }
            return 0;
        }));
        return command;
    }

    public static Command Export()
    {
        var data = Data();
        var postgres = CommonOptions.Postgres();
        var since = new Option<string>("--since") { Description = "How far back: 30m, 24h, 7d", DefaultValueFactory = _ => "7d" };
        var format = new Option<string>("--format") { Description = "jsonl: one JSON object per line, the keys of events --json", DefaultValueFactory = _ => "jsonl" };
        format.AcceptOnlyFromAmong("jsonl");
        var command = new Command("export", "Write the audit trail for a SIEM: every event since a time, oldest first") { data, postgres, since, format };
        command.SetAction((parse, _) => GuardAsync(parse, async () =>
        {
            var window = PolicyCommand.ParseWindow(parse.GetValue(since)!);
            var output = parse.Bulk(out var owned);
            try
            {
                await AuditTrail.ExportAsync(Location(parse, data, postgres), TimeProvider.System.GetUtcNow() - window,
                    e => output.WriteLine(JsonSerializer.Serialize(AuditViews.Of(e), AuditJson.Default.EventView)));
                output.Flush();
            }
            finally
            {
                if (owned)
                {
                    output.Dispose();
                }
            }
            return 0;
        }));
        return command;
    }

    public static Command Verify()
    {
        var data = Data();
        var postgres = CommonOptions.Postgres();
        var command = new Command("verify", "Check the hash chain of every session; name the first broken link; exit 1 when one is broken") { data, postgres };
        command.SetAction((parse, _) => GuardAsync(parse, async () =>
        {
            var report = await AuditTrail.VerifyAsync(Location(parse, data, postgres));
            foreach (var link in report.Broken)
            {
                parse.Out().WriteLine($"BROKEN session {link.SessionId} at event #{link.SessionSeq} ({link.EventId}): {link.Problem}");
            }
            parse.Out().WriteLine($"{report.Sessions} sessions, {report.Events} events checked; {report.Broken.Count} broken; " +
                $"{report.Checkpoints} chains start at a retention checkpoint; {report.Unchained} events from before chaining not checked");
            return report.Intact ? 0 : 1;
        }));
        return command;
    }

    public static Command Sessions()
    {
        var data = Data();
        var server = ApiClient.ServerOption();
        var json = Json();
        var postgres = CommonOptions.Postgres();
        var tls = new ClientTlsFlags();
        var command = new Command("sessions", "List sessions with their status and decision counts") { data, postgres, server, json };
        tls.AddTo(command);
        command.SetAction((parse, cancellationToken) => GuardAsync(parse, async () =>
        {
            parse = tls.WithConfig(parse, command);
            List<SessionView> sessions;
            if (parse.GetValue(server) is { } url)
            {
                using var api = new ApiClient(url, tls.Load(parse));
                sessions = await api.SessionsAsync(cancellationToken);
            }
            else
            {
                var location = Location(parse, data, postgres);
                sessions = [];
                string? cursor = null;
                do
                {
                    var page = await AuditTrail.QuerySessionsAsync(location, cursor, 1000);
                    sessions.AddRange(page.Items);
                    cursor = page.Next;
                }
                while (cursor is not null);
            }
            sessions.Reverse();
            foreach (var s in sessions)
            {
                parse.Out().WriteLine(parse.GetValue(json)
                    ? JsonSerializer.Serialize(s, AuditJson.Default.SessionView)
                    : $"{s.SessionId} {s.Agent,-7} {s.Status,-12} {s.CreatedAt:u} events {s.Events} denied {s.Denied} asked {s.Asked} {s.Cwd}");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Runs a command body; a missing database, a bad filter or an unreachable server is a clear error and exit code 2.</summary>
    public static async Task<int> GuardAsync(ParseResult parse, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception ex) when (ex is IOException or Microsoft.Data.Sqlite.SqliteException or Npgsql.NpgsqlException or HttpRequestException
            or FormatException or ArgumentException or JsonException or TaskCanceledException)
        {
            parse.Error().WriteLine(ex.Message);
            return 2;
        }
    }
}

/// <summary>The event filter options, named as the read API's query parameters.</summary>
internal sealed class FilterOptions
{
    private readonly Dictionary<string, Option<string?>> _options = new()
    {
        ["decision"] = new("--decision") { Description = "Only these decisions, as the agent got them: allow, ask, deny, none (comma-separated)" },
        ["agent"] = new("--agent") { Description = "Only this agent (" + AgentNames.Listed() + ")" },
        ["user"] = new("--user") { Description = "Only sessions of this user" },
        ["tool"] = new("--tool") { Description = "Only this tool (Bash, Read, Edit, ...)" },
        ["rule"] = new("--rule") { Description = "Only events decided by this rule id" },
        ["source"] = new("--source") { Description = "Only these sources: remote, local, fail_closed, fail_open, ... (comma-separated)" },
        ["session"] = new("--session") { Description = "Only this Hookline session" },
        ["since"] = new("--since") { Description = "From this time (ISO 8601) or age (15m, 2h, 7d)" },
        ["until"] = new("--until") { Description = "Before this time (ISO 8601) or age" },
    };

    public static FilterOptions Create(params string[] only)
    {
        var options = new FilterOptions();
        if (only.Length > 0)
        {
            foreach (var name in options._options.Keys.Except(only).ToList())
            {
                options._options.Remove(name);
            }
        }
        return options;
    }

    public void AddTo(Command command)
    {
        foreach (var option in _options.Values)
        {
            command.Options.Add(option);
        }
    }

    public EventFilter Read(ParseResult parse) => EventFilter.Parse(name => _options.TryGetValue(name, out var o) ? parse.GetValue(o) : null);
}
