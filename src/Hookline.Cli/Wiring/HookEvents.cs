using System.Text.Json;

namespace Hookline.Cli.Wiring;

/// <summary>One agent event wired to the hook: its native name, the kebab-case name the hook gets, and whether it takes a tool matcher.</summary>
internal sealed record HookEventSpec(string Native, string Kebab, bool ToolEvent);

/// <summary>
/// Writes the <c>"hooks": { Event: [ { matcher, hooks: [ { type, command, timeout } ] } ] }</c> shape that Claude Code,
/// Codex and Gemini CLI share (they differ in the events, the timeout unit and the fail-closed switch).
/// </summary>
internal static class HookEvents
{
    /// <summary>The hook's command line; it may wait for a person, as the wiring writes the long agent timeout with it.</summary>
    public static string Command(string hookCommand, string agent, string kebab)
        => $"{hookCommand} --agent {agent} --event {kebab} {Hookline.Hook.HookCommand.ApprovalWaitFlag}";

    /// <summary>Writes one event's matcher group holding Hookline's command hook.</summary>
    /// <param name="extra">Adds agent-specific fields to the hook object (fail-closed switch, name).</param>
    public static void WriteGroup(Utf8JsonWriter json, HookEventSpec spec, string command, int timeout, Action<Utf8JsonWriter>? extra = null)
    {
        json.WriteStartObject();
        if (spec.ToolEvent)
        {
            json.WriteString("matcher", "*");
        }
        json.WriteStartArray("hooks");
        json.WriteStartObject();
        json.WriteString("type", "command");
        json.WriteString("command", command);
        json.WriteNumber("timeout", timeout);
        extra?.Invoke(json);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
