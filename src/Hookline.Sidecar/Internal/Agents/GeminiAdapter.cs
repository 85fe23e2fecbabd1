using Hookline.Contracts.V1;
using Hookline.Policy;
using Hookline.Shared;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>
/// Gemini CLI: BeforeTool / BeforeAgent block; the answer is <c>{"decision":"deny","reason":...}</c>. Gemini hooks
/// have no ask, so ask becomes deny with a reason that says approval is needed. A rewriting allow carries the new
/// input as <c>hookSpecificOutput.tool_input</c>. Tool names are mapped to Claude's, so one rule governs every agent.
/// </summary>
internal sealed class GeminiAdapter : IAgentAdapter
{
    private static readonly Dictionary<string, string> CanonicalEvents = new(StringComparer.Ordinal)
    {
        ["before-tool"] = "PreToolUse",
        ["after-tool"] = "PostToolUse",
        ["before-agent"] = "UserPromptSubmit",
        ["after-agent"] = "Stop",
        ["session-start"] = "SessionStart",
        ["session-end"] = "SessionEnd",
    };

    public string Name => AgentNames.Gemini;

    public bool IsBlocking(string hookEvent) => AgentNames.IsBlocking(Name, hookEvent);

    public string CanonicalEvent(string hookEvent) => CanonicalEvents.GetValueOrDefault(hookEvent) ?? HookJson.PascalCase(hookEvent);

    public bool TryDecode(string hookEvent, ReadOnlyMemory<byte> stdin, HookEvent target, out string error)
    {
        target.HookEventName = CanonicalEvent(hookEvent);
        target.NativeEvent = HookJson.PascalCase(hookEvent);
        if (!HookJson.TryParseObject(stdin, out var document, out error))
        {
            return false;
        }
        using (document)
        {
            var root = document!.RootElement;
            if (hookEvent == "before-tool" && !HookJson.RequireTool(root, out error))
            {
                return false;
            }
            HookJson.FillCommon(root, target);
            target.ToolName = ToolNames.Canonicalize(target.NativeToolName);
            target.ToolInput = WithFilePath(target.ToolName, root);
            return true;
        }
    }

    /// <summary>
    /// Gemini's read_file names its file <c>absolute_path</c> (older builds) where Claude's Read says <c>file_path</c>:
    /// the canonical field is added, so <c>Read(./.env)</c> governs both. Every field Gemini sent is kept as it was.
    /// </summary>
    private static Google.Protobuf.ByteString WithFilePath(string canonicalTool, System.Text.Json.JsonElement root)
    {
        if (canonicalTool is not (ToolNames.Read or ToolNames.Write or ToolNames.Edit)
            || !root.TryGetProperty("tool_input", out var input) || input.ValueKind != System.Text.Json.JsonValueKind.Object
            || input.TryGetProperty("file_path", out _)
            || !input.TryGetProperty("absolute_path", out var path) || path.ValueKind != System.Text.Json.JsonValueKind.String)
        {
            return HookJson.Raw(root, "tool_input");
        }
        return Google.Protobuf.ByteString.CopyFrom(HookJson.Write(w =>
        {
            foreach (var property in input.EnumerateObject())
            {
                property.WriteTo(w);
            }
            w.WriteString("file_path", path.GetString());
        }));
    }

    public HookReply Encode(string hookEvent, HookOutcome outcome)
    {
        if (!IsBlocking(hookEvent) || (outcome.Verdict == Verdict.Allow && outcome.IsDefault))
        {
            return HookReply.Empty;
        }
        var (decision, reason) = outcome.Verdict switch
        {
            Verdict.Allow => ("allow", outcome.Reason),
            Verdict.Ask => ("deny", "approval needed: " + outcome.Reason),
            _ => ("deny", outcome.Reason),
        };
        return HookJson.Json(HookJson.Write(w =>
        {
            w.WriteString("decision", decision);
            w.WriteString("reason", reason);
            if (hookEvent == "before-tool" && outcome.Verdict == Verdict.Allow && !outcome.UpdatedInput.IsEmpty)
            {
                // Gemini builds the tool call anew from hookSpecificOutput.tool_input: the whole input, not a patch.
                w.WriteStartObject("hookSpecificOutput");
                w.WriteString("hookEventName", "BeforeTool");
                w.WritePropertyName("tool_input");
                WriteNativeInput(w, outcome.UpdatedInput.Span, outcome.DecodedInput.Span);
                w.WriteEndObject();
            }
        }));
    }

    /// <summary>
    /// The rewritten input in Gemini's own field names. Where decoding added <c>file_path</c> beside an
    /// <c>absolute_path</c> (see <see cref="WithFilePath"/>), the added field is left out, so Gemini gets no field
    /// its tool does not know; if the rule changed <c>file_path</c>, that value goes into <c>absolute_path</c>.
    /// </summary>
    private static void WriteNativeInput(System.Text.Json.Utf8JsonWriter w, ReadOnlySpan<byte> rewritten, ReadOnlySpan<byte> decoded)
    {
        using var document = System.Text.Json.JsonDocument.Parse(rewritten.ToArray());
        var root = document.RootElement;
        if (!root.TryGetProperty("absolute_path", out var absolutePath) || !root.TryGetProperty("file_path", out var filePath))
        {
            w.WriteRawValue(rewritten);
            return;
        }
        using var before = System.Text.Json.JsonDocument.Parse(decoded.IsEmpty ? "{}"u8.ToArray() : decoded.ToArray());
        var pathChanged = !before.RootElement.TryGetProperty("file_path", out var old) || old.GetRawText() != filePath.GetRawText();
        w.WriteStartObject();
        foreach (var property in root.EnumerateObject())
        {
            if (property.NameEquals("absolute_path"))
            {
                w.WritePropertyName("absolute_path");
                (pathChanged ? filePath : absolutePath).WriteTo(w);
            }
            else if (!property.NameEquals("file_path"))
            {
                property.WriteTo(w);
            }
        }
        w.WriteEndObject();
    }
}
