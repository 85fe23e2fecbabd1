using System.Text.Json;

namespace Hookline.Cli.Wiring;

/// <summary>Writes the per-session Claude Code settings file that wires every hook event to Hookline.</summary>
internal static class ClaudeSettings
{
    /// <summary>Claude's events, with whether they take a tool matcher.</summary>
    private static readonly (string Name, string Kebab, bool ToolEvent)[] Events =
    [
        ("PreToolUse", "pre-tool-use", true),
        ("PermissionRequest", "permission-request", true),
        ("PostToolUse", "post-tool-use", true),
        ("PostToolUseFailure", "post-tool-use-failure", true),
        ("UserPromptSubmit", "user-prompt-submit", false),
        ("SessionStart", "session-start", false),
        ("SessionEnd", "session-end", false),
        ("Stop", "stop", false),
        ("SubagentStart", "subagent-start", false),
        ("SubagentStop", "subagent-stop", false),
    ];

    /// <param name="failClosed">Adds <c>"onFailure": "block"</c> (Claude Code 2.1.295+), so a crashed or timed-out hook blocks.</param>
    /// <param name="http">
    /// The sidecar's HTTP hook endpoint and secret: every event but SessionStart/SessionEnd (which stay command hooks)
    /// becomes <c>{"type":"http","url":...,"headers":{secret}}</c>. The file then holds a secret: it is written 0600.
    /// </param>
    public static string Write(string path, string hookCommand, bool failClosed, HttpHookTarget? http = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = Core.PrivateFiles.Open(path, FileMode.Create, FileAccess.Write);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("hooks");
        foreach (var (name, kebab, toolEvent) in Events)
        {
            json.WriteStartArray(name);
            json.WriteStartObject();
            if (toolEvent)
            {
                json.WriteString("matcher", "*");
            }
            json.WriteStartArray("hooks");
            json.WriteStartObject();
            if (http is not null && name is not ("SessionStart" or "SessionEnd"))
            {
                json.WriteString("type", "http");
                json.WriteString("url", http.Url + kebab);
                json.WriteStartObject("headers");
                json.WriteString(http.SecretHeader, http.Secret);
                json.WriteEndObject();
            }
            else
            {
                json.WriteString("type", "command");
                json.WriteString("command", HookEvents.Command(hookCommand, ClaudeWiring.Agent, kebab));
            }
            json.WriteNumber("timeout", ClaudeWiring.TimeoutSeconds);
            ClaudeWiring.WriteExtras(json, kebab, failClosed);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
        }
        json.WriteEndObject();
        json.WriteEndObject();
        return path;
    }
}

/// <summary>Where Claude's HTTP hooks post: the base URL (the event is appended) and the secret header.</summary>
internal sealed record HttpHookTarget(string Url, string SecretHeader, string Secret);
