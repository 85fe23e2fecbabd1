using System.Text.Json;

namespace Hookline.Policy.Tests;

internal static class TestSupport
{
    public const string Cwd = "/home/dev/proj";
    public const string Home = "/home/dev";

    public static PolicyInput Tool(string tool, object? toolInput, string? cwd = Cwd, string hookEvent = "PreToolUse", string? agent = "claude", string? user = null, string? toolUseId = null, string? org = null) => new()
    {
        ToolName = tool,
        ToolInput = toolInput is null ? default : JsonSerializer.SerializeToElement(toolInput),
        Cwd = cwd,
        HomeDirectory = Home,
        HookEvent = hookEvent,
        Agent = agent,
        User = user,
        Org = org,
        ToolUseId = toolUseId,
    };

    public static PolicyInput Bash(string command, string? cwd = Cwd) => Tool("Bash", new { command }, cwd);

    public static PolicyInput Read(string path, string? cwd = Cwd) => Tool("Read", new { file_path = path }, cwd);

    public static PolicyInput Write(string path) => Tool("Write", new { file_path = path, content = "x" });

    public static PolicyInput Edit(string path) => Tool("Edit", new { file_path = path, old_string = "a", new_string = "b" });

    public static PolicyInput Fetch(string url) => Tool("WebFetch", new { url, prompt = "summarise" });

    /// <summary>A policy with one rule per (effect, pattern) pair, ids r0, r1, ...</summary>
    public static CompiledPolicy PolicyOf(string @default, params (string Effect, string Pattern)[] rules)
    {
        var lines = new List<string> { "version: 1", $"default: {@default}", "rules:" };
        for (var i = 0; i < rules.Length; i++)
        {
            lines.Add($"  - id: r{i}");
            lines.Add($"    effect: {rules[i].Effect}");
            lines.Add($"    match: {JsonSerializer.Serialize(rules[i].Pattern)}");
        }

        return CompiledPolicy.Load(string.Join('\n', lines));
    }

    public static Effect Decide(this CompiledPolicy policy, PolicyInput input) => policy.Evaluate(input).Effect;
}
