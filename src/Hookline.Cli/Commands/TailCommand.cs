using System.CommandLine;
using System.Text.Json;
using Hookline.Cli.Clients;
using Hookline.Cli.Output;
using Hookline.Server;

namespace Hookline.Cli.Commands;

/// <summary>
/// <c>hookline tail</c>: the server's live feed in the terminal, one line per decision, like <c>kubectl logs -f</c>.
/// Coloured on a terminal, plain when piped or when NO_COLOR is set; reconnects when the server goes away.
/// </summary>
internal static class TailCommand
{
    public static Command Create()
    {
        var server = ApiClient.ServerOption(required: true);
        server.DefaultValueFactory = _ => ApiClient.DefaultUrl;
        var filters = FilterOptions.Create("decision", "session", "agent", "user", "tool", "rule", "source");
        var json = new Option<bool>("--json") { Description = "One JSON object per line (the keys of hookline events --json)" };
        var tls = new ClientTlsFlags();
        var command = new Command("tail", "Follow the live feed of decisions across all sessions (Ctrl+C to stop)") { server, json };
        filters.AddTo(command);
        tls.AddTo(command);
        command.SetAction((parse, cancellationToken) => AuditCommands.GuardAsync(parse, async () =>
        {
            parse = tls.WithConfig(parse, command);
            var filter = filters.Read(parse);
            var colour = parse.IsConsole() && !Console.IsOutputRedirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
            using var api = new ApiClient(parse.GetValue(server)!, tls.Load(parse), Timeout.InfiniteTimeSpan);
            var asJson = parse.GetValue(json);
            await FollowAsync(api, filter, e => parse.Out().WriteLine(asJson ? JsonSerializer.Serialize(e, AuditJson.Default.EventView) : Format(e, colour)),
                message => parse.Error().WriteLine(message), TimeProvider.System, cancellationToken);
            return 0;
        }));
        return command;
    }

    /// <summary>Reads the feed until cancelled, reconnecting with a growing pause (up to 5 s) when it breaks.</summary>
    public static async Task FollowAsync(ApiClient api, EventFilter filter, Action<EventView> onEvent, Action<string> onStatus,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var path = "api/live" + (filter.ToQuery() is { Length: > 0 } q ? "?" + q : "");
        var pause = TimeSpan.FromMilliseconds(250);
        var wasConnected = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var response = await api.Http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    throw new HttpRequestException($"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}".Trim());
                }
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                if (!wasConnected)
                {
                    onStatus($"hookline tail: reconnected to {api.Http.BaseAddress}");
                }
                wasConnected = true;
                pause = TimeSpan.FromMilliseconds(250);
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    if (line.StartsWith("data: {\"", StringComparison.Ordinal)
                        && JsonSerializer.Deserialize(line.AsSpan("data: ".Length), AuditJson.Default.EventView) is { } e)
                    {
                        onEvent(e);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException)
            {
                if (wasConnected)
                {
                    onStatus($"hookline tail: {api.Http.BaseAddress}: {ex.Message}; retrying");
                }
                wasConnected = false;
            }
            try
            {
                await Task.Delay(pause, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    /// <summary>time, agent, user, session, tool, subject, decision, source, rules, reason, latency.</summary>
    public static string Format(EventView e, bool colour)
    {
        var decision = e.Applied ?? "-";
        var (on, off) = !colour ? ("", "") : decision switch
        {
            "deny" => ("\e[1;31m", "\e[0m"),
            "ask" => ("\e[1;33m", "\e[0m"),
            "allow" => ("\e[32m", "\e[0m"),
            _ => ("\e[2m", "\e[0m"),
        };
        var dim = colour ? "\e[2m" : "";
        var reset = colour ? "\e[0m" : "";
        var latency = e.LatencyUs is { } us ? $" {us / 1000.0:0.0}ms" : "";
        var rules = e.RuleIds.Count > 0 ? " [" + string.Join(',', e.RuleIds) + "]" : "";
        var reason = string.IsNullOrEmpty(e.Reason) ? "" : " " + e.Reason;
        return $"{dim}{e.OccurredAt.ToLocalTime():HH:mm:ss.fff}{reset} {e.Agent} {e.User ?? "-"} {e.SessionId[..Math.Min(8, e.SessionId.Length)]} " +
            $"{e.ToolName} {EventSubject.Of(e, 100)} {on}{decision}{off} {e.Source}{rules}{reason}{dim}{latency}{reset}";
    }
}
