using System.Globalization;
using System.Text.Json;

namespace Hookline.Reliability.Tests;

/// <summary><c>hookline sidecar status --json</c>, read into the fields the scenarios check.</summary>
internal sealed record SidecarStatus(string Server, string Stream, ulong PolicyEpoch, long? SnapshotAgeMs, long SpoolEvents, long BudgetMisses,
    long LateDecisions, long Reconnects, long Replayed, long ShedPayloads, IReadOnlyDictionary<string, long> Decisions)
{
    /// <summary>Hooks answered with <paramref name="source"/>, all effects.</summary>
    public long From(string source) => Decisions.Where(d => d.Key.EndsWith("/" + source, StringComparison.Ordinal)).Sum(d => d.Value);

    public long Of(string effect, string source) => Decisions.GetValueOrDefault($"{effect}/{source}");
}

internal static class SidecarProbe
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(120);

    public static async Task<SidecarStatus> StatusAsync(string socket)
    {
        var run = await CliRun.RunAsync(["sidecar", "status", "--socket", socket, "--json"]);
        Assert.True(run.Exit == 0, $"sidecar status failed ({run.Exit}): {run.Stderr}");
        using var json = JsonDocument.Parse(run.Stdout);
        var root = json.RootElement;
        var counters = root.GetProperty("counters");
        var decisions = counters.GetProperty("hookline_decisions_total").EnumerateArray().ToDictionary(
            d => $"{d.GetProperty("effect").GetString()}/{d.GetProperty("source").GetString()}", d => d.GetProperty("value").GetInt64());
        var age = root.GetProperty("snapshot_age_ms");
        return new SidecarStatus(root.GetProperty("server").GetString()!, root.GetProperty("stream").GetString()!, root.GetProperty("policy_epoch").GetUInt64(),
            age.ValueKind == JsonValueKind.Null ? null : age.GetInt64(),
            counters.GetProperty("hookline_spool_events").GetInt64(), counters.GetProperty("hookline_budget_misses_total").GetInt64(),
            counters.GetProperty("hookline_late_decisions_total").GetInt64(), counters.GetProperty("hookline_stream_reconnects_total").GetInt64(),
            counters.GetProperty("hookline_replayed_events_total").GetInt64(), counters.GetProperty("hookline_shed_payloads_total").GetInt64(),
            decisions);
    }

    /// <summary>Waits until the server has confirmed every spooled event as stored (the sidecar logs each ack).</summary>
    public static async Task<SidecarStatus> DrainedAsync(ChildProcess sidecar, string socket)
    {
        // Lines so far are consumed first, so the wait below can only match an ack that comes after the status read.
        sidecar.SawLine("");
        var status = await StatusAsync(socket);
        if (status.SpoolEvents > 0)
        {
            await sidecar.WaitForLineAsync("; 0 await acknowledgement", DrainTimeout);
            status = await StatusAsync(socket);
        }
        Assert.Equal(0, status.SpoolEvents);
        return status;
    }

    /// <summary>Sidecar-side latency of every blocking hook it answered (read → answer), from its debug log, in ms.</summary>
    public static List<double> DecisionLatenciesMs(params ChildProcess[] sidecars)
    {
        var latencies = new List<double>();
        foreach (var sidecar in sidecars)
        {
            sidecar.SawLine("");
            foreach (var line in sidecar.Output.Split('\n'))
            {
                // "... Hook claude/PreToolUse Bash: deny from local in 8123 µs"
                var at = line.LastIndexOf(" in ", StringComparison.Ordinal);
                if (!line.Contains("Hook claude/PreToolUse", StringComparison.Ordinal) || at < 0 || !line.EndsWith(" µs", StringComparison.Ordinal))
                {
                    continue;
                }
                latencies.Add(long.Parse(line[(at + 4)..^3], CultureInfo.InvariantCulture) / 1000.0);
            }
        }
        return latencies;
    }
}
