using System.Text.Json;

namespace Hookline.Reliability.Tests;

/// <summary>One hook call of a scenario: its agent-side id, the event, Claude Code's stdin, and the answer the policy gives.</summary>
internal sealed record HookCase(string ToolUseId, string Event, string Stdin, string? ExpectedDecision)
{
    public bool Blocking => Event == "pre-tool-use";
}

/// <summary>
/// A mix like a real session's: denied deletes, an explicitly allowed <c>git status</c>, unmatched commands (no
/// answer, so the agent's own prompts apply) and PostToolUse events that never wait.
/// </summary>
internal static class Workload
{
    public static List<HookCase> Make(string scenario, int count) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var id = $"toolu_{scenario}_{i:D5}";
            return (i % 4) switch
            {
                0 => new HookCase(id, "pre-tool-use", Stdin("PreToolUse", id, $"rm -rf /tmp/{id}"), "deny"),
                1 => new HookCase(id, "pre-tool-use", Stdin("PreToolUse", id, "git status"), "allow"),
                2 => new HookCase(id, "pre-tool-use", Stdin("PreToolUse", id, $"ls {id}"), null),
                _ => new HookCase(id, "post-tool-use", Stdin("PostToolUse", id, $"ls {id}", output: "a\nb\n"), null),
            };
        }).ToList();

    public static string Stdin(string hookEvent, string toolUseId, string command, string? output = null)
    {
        var input = new Dictionary<string, object>
        {
            ["session_id"] = "3982e839-f0d1-4fef-886f-7146ed1dad82",
            ["transcript_path"] = "/home/dev/.claude/projects/-home-dev-proj/3982e839.jsonl",
            ["cwd"] = "/home/dev/proj",
            ["permission_mode"] = "default",
            ["hook_event_name"] = hookEvent,
            ["tool_name"] = "Bash",
            ["tool_input"] = new Dictionary<string, string> { ["command"] = command },
            ["tool_use_id"] = toolUseId,
        };
        if (output is not null)
        {
            input["tool_response"] = new Dictionary<string, object> { ["stdout"] = output, ["stderr"] = "", ["interrupted"] = false };
        }
        return JsonSerializer.Serialize(input);
    }
}
