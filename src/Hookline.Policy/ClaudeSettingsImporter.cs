using System.Text.Json;
using System.Text;
using Hookline.Policy.Internal.Document;
using Hookline.Policy.Internal;

namespace Hookline.Policy;

/// <summary>Turns the <c>permissions.allow/ask/deny</c> lists of Claude Code settings into a policy document.</summary>
public static class ClaudeSettingsImporter
{
    /// <summary>Returns policy YAML with one rule per list (ids import-deny, import-ask, import-allow). Throws on malformed settings.</summary>
    public static string ToPolicyYaml(string settingsJson)
    {
        using var doc = JsonDocument.Parse(settingsJson, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var sb = new StringBuilder("# Imported from Claude Code settings (permissions.allow / ask / deny).\nversion: 1\ndefault: allow\nrules:\n");
        var any = false;
        if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("permissions", out var permissions) && permissions.ValueKind == JsonValueKind.Object)
        {
            foreach (var effect in new[] { "deny", "ask", "allow" })
            {
                if (!permissions.TryGetProperty(effect, out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0)
                {
                    continue;
                }

                any = true;
                sb.Append($"  - id: import-{effect}\n    effect: {effect}\n    reason: \"Claude Code settings: permissions.{effect}\"\n    match:\n");
                foreach (var item in list.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.String)
                    {
                        // JSON strings are valid YAML double-quoted scalars.
                        sb.Append("      - ").Append(JsonSerializer.Serialize(item.GetString()!, PolicyJsonContext.Default.String)).Append('\n');
                    }
                }
            }
        }

        if (!any)
        {
            sb.Length -= "rules:\n".Length;
            sb.Append("rules: []\n");
        }

        return sb.ToString();
    }
}
