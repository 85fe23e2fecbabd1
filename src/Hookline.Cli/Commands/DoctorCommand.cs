using System.CommandLine;
using System.Text.Json;
using Hookline.Cli.Clients;
using Hookline.Cli.Hosting;
using Hookline.Cli.Output;
using Hookline.Cli.Wiring;
using Hookline.Shared;
using Hookline.Sidecar;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline doctor [--agent NAME] [--json]</c>: is each agent wired to Hookline, does the hook binary it points to
/// exist and run, does the per-user daemon answer, does the server answer and with which policy epoch. Prints what to
/// fix; exits 1 when something is broken.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var agent = new Option<string?>("--agent") { Description = "Check only this agent's wiring (" + AgentNames.Listed() + "); its absence is then an error" };
        agent.AcceptOnlyFromAmong(AgentNames.Names());
        var json = new Option<bool>("--json") { Description = "One JSON document instead of text" };
        var health = new Option<string>("--server-http")
        {
            Description = "The server's HTTP address, where /healthz answers (default: $HOOKLINE_SERVER_HTTP, else http://127.0.0.1:7421)",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("HOOKLINE_SERVER_HTTP") is { Length: > 0 } url ? url : "http://127.0.0.1:7421",
        };
        var project = new Option<string>("--project")
        {
            Description = "The project whose .claude/ and .cursor/ settings are checked too (default: the current directory)",
            DefaultValueFactory = _ => Environment.CurrentDirectory,
        };
        var command = new Command("doctor", "Check each agent's hook wiring, the hook binary, the per-user daemon and the server")
        {
            agent, json, health, project,
        };
        var tls = new ClientTlsFlags();
        tls.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (tls.Prepare(parse, command, "doctor") is not var (merged, clientTls))
            {
                return 2;
            }
            parse = merged;
            var findings = new List<Finding>();
            var only = parse.GetValue(agent);
            foreach (var wiring in AgentWiring.All.Where(w => only is null || w.Agent == only))
            {
                findings.AddRange(wiring.Check(parse.GetValue(project)!, required: only is not null));
            }
            // Installed hooks reach the per-user sidecar: it needs a server however it starts.
            var hooksInstalled = findings.Any(f => f.Status == Status.Ok);
            if (only is null or AgentNames.Codex)
            {
                findings.AddRange(await CodexTrustCheck.RunAsync(parse.GetValue(project)!));
            }
            findings.Add(await CheckDaemonAsync(cancellationToken));
            findings.AddRange(await DaemonConfigCheck.RunAsync(hooksInstalled, cancellationToken));
            findings.Add(await CheckServerAsync(parse.GetValue(health)!, clientTls, cancellationToken));
            if (parse.GetValue(json))
            {
                WriteJson(parse.Out(), findings);
            }
            else
            {
                foreach (var finding in findings)
                {
                    parse.Out().WriteLine($"{finding.Label,-5} {finding.Check}: {finding.Detail}");
                    if (finding.Fix is not null)
                    {
                        parse.Out().WriteLine($"      fix: {finding.Fix}");
                    }
                }
            }
            return findings.Any(f => f.Status == Status.Broken) ? 1 : 0;
        });
        return command;
    }

    private static async Task<Finding> CheckDaemonAsync(CancellationToken cancellationToken)
    {
        var socket = HooklineDaemon.DefaultSocketPath();
        if (!File.Exists(socket))
        {
            return new Finding("daemon", Status.Warning, $"no per-user daemon on {socket}",
                ServiceCommands.SystemdRuns()
                    ? "hookline sidecar install-service --enable (until then, hooks start it on demand)"
                    : "none needed: hooks start `hookline sidecar --daemon` on demand; or run it yourself");
        }
        var problem = await HooklineDaemon.ProbeAsync(socket, TimeSpan.FromSeconds(5), cancellationToken);
        return problem is null
            ? new Finding("daemon", Status.Ok, $"answers on {socket}", null)
            : new Finding("daemon", Status.Broken, $"{socket} does not answer: {problem}",
                "stop whatever holds it, remove the stale socket, and start `hookline sidecar --daemon`");
    }

    private static async Task<Finding> CheckServerAsync(string httpAddress, Core.ClientTls tls, CancellationToken cancellationToken)
    {
        var url = httpAddress.TrimEnd('/') + "/healthz";
        try
        {
            using var client = tls.CreateHttpClient(null, TimeSpan.FromSeconds(5));
            var text = await client.GetStringAsync(url, cancellationToken);
            var epoch = text.Split('\n').FirstOrDefault(l => l.StartsWith("epoch ", StringComparison.Ordinal))?[6..] ?? "?";
            return new Finding("server", Status.Ok, $"{url} answers; policy epoch {epoch} in force", null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return new Finding("server", Status.Broken, $"{url} does not answer ({ex.Message})",
                "start `hookline server` (or pass --server-http with the address of yours)");
        }
    }

    private static void WriteJson(TextWriter output, List<Finding> findings)
    {
        var json = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("ok", findings.All(f => f.Status != Status.Broken));
            writer.WriteStartArray("checks");
            foreach (var finding in findings)
            {
                writer.WriteStartObject();
                writer.WriteString("check", finding.Check);
                writer.WriteString("status", finding.Label.ToLowerInvariant());
                writer.WriteString("detail", finding.Detail);
                if (finding.Fix is not null)
                {
                    writer.WriteString("fix", finding.Fix);
                }
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        output.Write(System.Text.Encoding.UTF8.GetString(json.WrittenSpan));
        output.Write('\n');
    }
}
