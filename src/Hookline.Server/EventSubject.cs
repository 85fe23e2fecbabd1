using System.Text.Json;

namespace Hookline.Server;

/// <summary>What an event acted on, in one short line: the shell command, the path, the URL or the prompt.</summary>
public static class EventSubject
{
    private static readonly string[] Keys = ["command", "file_path", "path", "notebook_path", "url", "pattern", "query", "prompt", "description"];

    public static string Of(EventView e, int max = 160)
    {
        if (string.IsNullOrEmpty(e.ToolInput))
        {
            return "";
        }
        string text;
        try
        {
            using var json = JsonDocument.Parse(e.ToolInput);
            text = json.RootElement.ValueKind == JsonValueKind.Object
                ? Keys.Select(k => json.RootElement.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null)
                      .FirstOrDefault(v => !string.IsNullOrEmpty(v)) ?? e.ToolInput
                : e.ToolInput;
        }
        catch (Exception ex) when (Policy.JsonValidity.IsMalformedInput(ex))
        {
            // Stored input whose text cannot be decoded (a lone surrogate escape) is shown as it was stored.
            text = e.ToolInput;
        }
        text = text.ReplaceLineEndings(" ");
        return text.Length <= max ? text : text[..(max - 1)] + "…";
    }
}
