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

    /// <summary>A rule that rewrites <see cref="RewriteCommand"/> into a command that writes <c>rewritten.txt</c>.</summary>
    public static void UseRewritingPolicy(AgentRun run) => File.WriteAllText(run.PolicyFile, AgentRun.Policy + """

          - id: rewrite-me
            effect: allow
            match: "Bash(touch *rewrite-me*)"
            set: {command: "echo rewritten-by-hookline | tee rewritten.txt"}
        """);

    /// <summary>The model's command, which <see cref="UseRewritingPolicy"/> rewrites.</summary>
    public static string RewriteCommand(AgentRun run) => $"touch {run.Project}/rewrite-me.txt";

    /// <summary>The rewritten command ran instead of the model's, and the model got what really ran.</summary>
    public static void RewrittenRanInstead(AgentRun run)
    {
        Assert.False(run.Exists("rewrite-me.txt"), "the model's own command ran, not the policy's rewrite");
        Assert.True(run.Exists("rewritten.txt"), "the rewritten command did not run");
        Assert.Contains(run.ModelRequests(), body => body.Contains("rewritten-by-hookline", StringComparison.Ordinal));
    }

    private static bool Is(JsonElement e, string hookEvent, string inputContains) =>
        e.GetProperty("hook_event").GetString() == hookEvent && e.GetProperty("tool_name").GetString() == "Bash"
        && (e.GetProperty("tool_input").GetString() ?? "").Contains(inputContains, StringComparison.Ordinal);
}
