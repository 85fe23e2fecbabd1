using System.Text.Json;

namespace Hookline.Agents.Tests;

/// <summary>What every agent's run must show, whatever its wire format.</summary>
internal static class Expect
{
    public const string DenyReason = "hookline-test: forbidden files stay unmade";

    /// <summary>The denied command did not run, and the model was told the hook's reason.</summary>
    public static void DeniedAndToldTheModel(AgentRun run)
    {
        Assert.False(run.Exists("forbidden.txt"), "the denied command ran");
        Assert.Contains(run.ModelRequests(), body => body.Contains(DenyReason, StringComparison.Ordinal));
    }

    public static void AllowedRan(AgentRun run) => Assert.True(run.Exists("allowed.txt"), "the allowed command did not run");

    /// <summary>The audit trail holds the deny with its rule, and the allowed command's PostToolUse.</summary>
    public static void Audited(IReadOnlyList<JsonElement> events)
    {
        Assert.Contains(events, e => Is(e, "PreToolUse", "forbidden.txt") && e.GetProperty("applied").GetString() == "deny"
            && e.GetProperty("rule_ids").EnumerateArray().Any(r => r.GetString() == "no-forbidden"));
        Assert.Contains(events, e => Is(e, "PostToolUse", "allowed.txt"));
    }

    /// <summary>Fail-closed with no sidecar: the tool did not run, and the hook recorded its denials for the next sidecar.</summary>
    public static void BlockedWithoutSidecar(AgentRun run, string agent)
    {
        Assert.False(run.Exists("allowed.txt"), "the tool ran although no sidecar could decide (fail mode closed)");
        Assert.Contains($"\"agent\":\"{agent}\"", run.Orphans, StringComparison.Ordinal);
        Assert.Contains("\"decision\":\"deny\"", run.Orphans, StringComparison.Ordinal);
    }

    private static bool Is(JsonElement e, string hookEvent, string inputContains) =>
        e.GetProperty("hook_event").GetString() == hookEvent && e.GetProperty("tool_name").GetString() == "Bash"
        && (e.GetProperty("tool_input").GetString() ?? "").Contains(inputContains, StringComparison.Ordinal);
}
