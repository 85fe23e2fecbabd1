using System.Text.Json;

namespace Hookline.Cli.Demo;

/// <summary>A scripted Claude Code session: the hook events a real session sends, in order, with their real stdin shapes.</summary>
internal static class DemoScript
{
    public sealed record Step(string Label, string Event, string Stdin);

    public static IReadOnlyList<Step> Build(string agentSessionId, string cwd)
    {
        var steps = new List<Step>();
        void Add(string label, string kebab, Dictionary<string, object?> fields)
        {
            var payload = new Dictionary<string, object?>
            {
                ["session_id"] = agentSessionId,
                ["transcript_path"] = $"/home/dev/.claude/projects/demo/{agentSessionId}.jsonl",
                ["cwd"] = cwd,
                ["permission_mode"] = "default",
            };
            foreach (var (key, value) in fields)
            {
                payload[key] = value;
            }
            steps.Add(new Step(label, kebab, JsonSerializer.Serialize(payload, DemoJson.Default.DictionaryStringObject)));
        }
        Dictionary<string, object?> Tool(string hookEvent, string tool, Dictionary<string, object?> input, string id) => new()
        {
            ["hook_event_name"] = hookEvent,
            ["tool_name"] = tool,
            ["tool_input"] = input,
            ["tool_use_id"] = id,
        };

        Add("session starts", "session-start", new() { ["hook_event_name"] = "SessionStart", ["source"] = "startup" });
        Add("user prompt", "user-prompt-submit", new() { ["hook_event_name"] = "UserPromptSubmit", ["prompt"] = "clean up the build and push" });
        Add("git status (explicit allow)", "pre-tool-use",
            Tool("PreToolUse", "Bash", new() { ["command"] = "git status", ["description"] = "Show status" }, "toolu_demo_01"));
        Add("read a source file (no rule: Claude's own prompts decide)", "pre-tool-use",
            Tool("PreToolUse", "Read", new() { ["file_path"] = Path.Combine(cwd, "src", "app.ts") }, "toolu_demo_02"));
        Add("tool result", "post-tool-use", new()
        {
            ["hook_event_name"] = "PostToolUse",
            ["tool_name"] = "Read",
            ["tool_input"] = new Dictionary<string, object?> { ["file_path"] = Path.Combine(cwd, "src", "app.ts") },
            ["tool_response"] = new Dictionary<string, object?> { ["content"] = "export const x = 1;" },
            ["tool_use_id"] = "toolu_demo_02",
        });
        Add("rm -rf hidden in a compound command", "pre-tool-use",
            Tool("PreToolUse", "Bash", new() { ["command"] = "cd build && FOO=1 timeout 5 rm -rf /", ["description"] = "Clean" }, "toolu_demo_03"));
        Add("read .env through a detour", "pre-tool-use",
            Tool("PreToolUse", "Read", new() { ["file_path"] = Path.Combine(cwd, "src", "..", ".env") }, "toolu_demo_04"));
        Add("git push (ask)", "pre-tool-use",
            Tool("PreToolUse", "Bash", new() { ["command"] = "git push origin main", ["description"] = "Push" }, "toolu_demo_05"));
        Add("agent stops", "stop", new() { ["hook_event_name"] = "Stop", ["stop_hook_active"] = false });
        Add("session ends", "session-end", new() { ["hook_event_name"] = "SessionEnd", ["reason"] = "exit" });
        return steps;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object?>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, object?>[]))]
[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
[System.Text.Json.Serialization.JsonSerializable(typeof(bool))]
internal sealed partial class DemoJson : System.Text.Json.Serialization.JsonSerializerContext;
