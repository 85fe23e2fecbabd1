using System.CommandLine;
using System.Text.Json;
using Hookline.Cli.Clients;
using Hookline.Cli.Hosting;
using Hookline.Cli.Output;
using Hookline.Server;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline coverage [--session ID]</c>: which tool calls ran without a policy decision in force, and why. From a
/// running server's read API (<c>--server</c>, scoped to the token's org) or the store itself (<c>--data</c>, <c>--postgres</c>).
/// </summary>
internal static class CoverageCommand
{
    public static Command Create()
    {
        var data = AuditCommands.Data();
        var server = ApiClient.ServerOption();
        var json = AuditCommands.Json();
        var postgres = CommonOptions.Postgres();
        var session = new Option<string?>("--session") { Description = "Every call of this Hookline session (else the ungoverned calls of all sessions)" };
        var tls = new ClientTlsFlags();
        var command = new Command("coverage", "Tool calls that ran without a policy decision (ungoverned), with their cause") { data, postgres, server, session, json };
        tls.AddTo(command);
        command.SetAction((parse, cancellationToken) => AuditCommands.GuardAsync(parse, async () =>
        {
            parse = tls.WithConfig(parse, command);
            var id = parse.GetValue(session);
            CoverageView view;
            if (parse.GetValue(server) is { } url)
            {
                using var api = new ApiClient(url, tls.Load(parse));
                view = await api.GetAsync("api/coverage?limit=1000" + (id is null ? "" : "&session=" + Uri.EscapeDataString(id)),
                    AuditJson.Default.CoverageView, cancellationToken);
            }
            else
            {
                view = await AuditTrail.CoverageAsync(AuditCommands.Location(parse, data, postgres), id);
            }
            if (parse.GetValue(json))
            {
                parse.Out().WriteLine(JsonSerializer.Serialize(view, AuditJson.Default.CoverageView));
                return 0;
            }
            Write(parse.Out(), view);
            return 0;
        }));
        return command;
    }

    private static void Write(TextWriter output, CoverageView view)
    {
        if (view.Sessions.Count == 0)
        {
            output.WriteLine("no tool calls recorded");
            return;
        }
        foreach (var s in view.Sessions)
        {
            var causes = s.Causes.Count == 0 ? "" : " (" + string.Join(", ", s.Causes.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}")) + ")";
            output.WriteLine($"{s.SessionId} {s.Agent,-7} ran {s.Ran}: governed {s.Governed}, ungoverned {s.Ungoverned}{causes}; " +
                $"heuristic {s.Heuristic}, decided but not seen to run {s.Pending}");
        }
        foreach (var c in view.Calls)
        {
            var state = c.Status == "ungoverned" ? "UNGOVERNED " + c.Cause : c.Status;
            var when = c.RanAt ?? c.DecidedAt;
            output.WriteLine($"  {when:u} {c.SessionId} {state,-30} {c.ToolName,-12} {(c.ToolUseId.Length > 0 ? c.ToolUseId : "-")} " +
                $"decision {c.Decision ?? "-"}{(c.Source is null ? "" : "/" + c.Source)} ran {c.RanSource ?? "-"}" +
                (c.Heuristic ? " heuristic" : "") + (c.SubagentId.Length > 0 ? " subagent " + c.SubagentId : ""));
        }
    }
}
