using System.Buffers;
using System.Text.Json;
using System.Text;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>Reading the JSON object agents write on stdin, and writing their answers, without reflection.</summary>
internal static class HookJson
{
    /// <summary>Hook input nested deeper than this is refused: no agent sends it, and parsing it costs stack and time.</summary>
    public const int MaxDepth = 64;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = MaxDepth };

    // Kept as bytes, never read here: a tool's output may hold any text (a file name that is not UTF-8).
    private static readonly string[] OpaqueMembers = ["tool_response"];

    /// <summary>Parses stdin as a JSON object. Returns false with a reason when it is not one.</summary>
    public static bool TryParseObject(ReadOnlyMemory<byte> stdin, out JsonDocument? document, out string error)
    {
        document = null;
        error = "";
        if (stdin.IsEmpty)
        {
            error = "empty hook input";
            return false;
        }
        try
        {
            document = JsonDocument.Parse(stdin, Options);
        }
        catch (JsonException ex)
        {
            error = ex.Message.Contains("maximum configured depth", StringComparison.Ordinal)
                ? $"hook input JSON is nested deeper than {MaxDepth} levels"
                : $"hook input is not valid JSON ({ex.Message})";
            return false;
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            error = $"hook input is a JSON {document.RootElement.ValueKind}, expected an object";
            document.Dispose();
            document = null;
            return false;
        }
        if (Hookline.Policy.JsonValidity.Problem(stdin.Span, MaxDepth, OpaqueMembers) is { } problem)
        {
            // Read anyway, it would throw in GetString (or lose characters): an unreadable command is never judged.
            error = "hook input has text that cannot be read: " + problem;
            document.Dispose();
            document = null;
            return false;
        }
        return true;
    }

    public static string String(JsonElement root, string name)
        => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    /// <summary>The raw JSON of a property, byte for byte as the agent sent it (large integers keep their precision).</summary>
    public static ByteString Raw(JsonElement root, string name)
        => root.TryGetProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null)
            ? ByteString.CopyFrom(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(value))
            : ByteString.Empty;

    /// <summary>Fills the fields every agent that speaks Claude's hook format shares.</summary>
    public static void FillCommon(JsonElement root, HookEvent target)
    {
        target.AgentSessionId = String(root, "session_id");
        target.Cwd = String(root, "cwd");
        target.PermissionMode = String(root, "permission_mode");
        target.NativeToolName = String(root, "tool_name");
        target.ToolUseId = String(root, "tool_use_id");
        target.ToolInput = Raw(root, "tool_input");
        target.ToolResponse = Raw(root, "tool_response");
        target.Prompt = String(root, "prompt");
        // Claude Code marks a subagent's hooks with its agent_id (coverage names such calls).
        target.SubagentId = String(root, "agent_id");
    }

    /// <summary>Validates what a tool event must carry.</summary>
    public static bool RequireTool(JsonElement root, out string error)
    {
        error = "";
        if (!root.TryGetProperty("tool_name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0)
        {
            error = "hook input has no tool_name";
            return false;
        }
        if (root.TryGetProperty("tool_input", out var input) && input.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            error = $"tool_input is a JSON {input.ValueKind}, expected an object";
            return false;
        }
        return true;
    }

    public static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>"PreToolUse" from "pre-tool-use".</summary>
    public static string PascalCase(string kebab)
    {
        var builder = new StringBuilder(kebab.Length);
        var upper = true;
        foreach (var c in kebab)
        {
            if (c == '-')
            {
                upper = true;
                continue;
            }
            builder.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        return builder.ToString();
    }

    public static HookReply Json(byte[] json) => new(0, json, "");

    /// <summary>Exit 2 with a one-line reason on stderr blocks in Claude Code, Codex and Gemini CLI alike.</summary>
    public static HookReply Block(string reason) => new(2, ReadOnlyMemory<byte>.Empty, "hookline: " + reason.ReplaceLineEndings(" ") + "\n");
}
