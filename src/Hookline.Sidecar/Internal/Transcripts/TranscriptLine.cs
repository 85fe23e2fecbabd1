using System.Text.Json;
using Hookline.Contracts.V1;

namespace Hookline.Sidecar.Internal.Transcripts;

/// <summary>
/// The tool calls Claude Code's transcript shows as executed. An <c>assistant</c> entry's <c>message.content[]</c>
/// blocks of type <c>tool_use</c> say what the model asked for (<c>id</c>, <c>name</c>); the <c>user</c> entry with the
/// matching <c>tool_result</c> says what became of it. Claude Code 2.1.328 marks a call that did not run there: a
/// <c>toolDenialKind</c>, and <c>permissionDecision.decision: "reject"</c> (a hook's deny, a rule, the user). Only a
/// call with a result and no such mark is reported: a denied one did not run. Only ids and names are taken, and only
/// when they look like ids and tool names; inputs, outputs and everything else stay in the file.
/// </summary>
internal static class TranscriptLine
{
    public const int MaxIdLength = 128;
    public const int MaxNameLength = 256;

    /// <summary>Calls asked for and not yet answered that one session keeps; past it, new ones are not followed.</summary>
    public const int MaxPending = 10_000;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };
    private static readonly byte[] ToolUse = "tool_use"u8.ToArray();
    private static readonly byte[] ToolResult = "tool_result"u8.ToArray();

    /// <summary>
    /// Follows the line's tool calls: a <c>tool_use</c> goes into <paramref name="pending"/> (id → name), and a result
    /// of one that ran moves it to <paramref name="calls"/>. False when the line could not be read (skipped).
    /// </summary>
    public static bool TryRead(ReadOnlyMemory<byte> line, Dictionary<string, string> pending, List<ExecutedToolCall> calls)
    {
        // Most lines are no tool call at all: not worth a parse.
        if (line.Span.IndexOf("\"tool_use\""u8) < 0 && line.Span.IndexOf("\"tool_result\""u8) < 0)
        {
            return true;
        }
        try
        {
            using var document = JsonDocument.Parse(line, Options);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("type"u8, out var type) || type.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("message"u8, out var message) || message.ValueKind != JsonValueKind.Object
                || !message.TryGetProperty("content"u8, out var content) || content.ValueKind != JsonValueKind.Array)
            {
                return true;
            }
            if (type.ValueEquals("assistant"u8))
            {
                return Asked(content, pending);
            }
            return !type.ValueEquals("user"u8) || Answered(root, content, pending, calls);
        }
        catch (Exception ex) when (Hookline.Policy.JsonValidity.IsMalformedInput(ex))
        {
            return false;
        }
    }

    private static bool Asked(JsonElement content, Dictionary<string, string> pending)
    {
        var sane = true;
        foreach (var block in Blocks(content, ToolUse))
        {
            if (Text(block, "id"u8, MaxIdLength, IsIdChar) is { } id && Text(block, "name"u8, MaxNameLength, IsNameChar) is { } name)
            {
                if (pending.Count < MaxPending)
                {
                    pending[id] = name;
                }
            }
            else
            {
                sane = false;
            }
        }
        return sane;
    }

    private static bool Answered(JsonElement root, JsonElement content, Dictionary<string, string> pending, List<ExecutedToolCall> calls)
    {
        var sane = true;
        var ran = !Denied(root);
        foreach (var block in Blocks(content, ToolResult))
        {
            if (Text(block, "tool_use_id"u8, MaxIdLength, IsIdChar) is not { } id)
            {
                sane = false;
                continue;
            }
            // A result of a call asked for before this sidecar read the transcript names no tool: it cannot be matched.
            if (pending.Remove(id, out var name) && ran)
            {
                calls.Add(new ExecutedToolCall
                {
                    ToolUseId = id,
                    NativeToolName = name,
                    ToolName = Hookline.Policy.ToolNames.Canonicalize(name),
                    Source = "transcript",
                });
            }
        }
        return sane;
    }

    /// <summary>Claude Code's marks of a call that did not run.</summary>
    private static bool Denied(JsonElement root) =>
        root.TryGetProperty("toolDenialKind"u8, out var denial) && denial.ValueKind is not (JsonValueKind.Null or JsonValueKind.False)
        || root.TryGetProperty("permissionDecision"u8, out var permission) && permission.ValueKind == JsonValueKind.Object
           && permission.TryGetProperty("decision"u8, out var decision) && decision.ValueKind == JsonValueKind.String
           && decision.ValueEquals("reject"u8);

    private static IEnumerable<JsonElement> Blocks(JsonElement content, byte[] type)
    {
        foreach (var block in content.EnumerateArray())
        {
            if (block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type"u8, out var blockType)
                && blockType.ValueKind == JsonValueKind.String && blockType.ValueEquals(type))
            {
                yield return block;
            }
        }
    }

    /// <summary>A short string member made only of the allowed characters, or null.</summary>
    private static string? Text(JsonElement block, ReadOnlySpan<byte> member, int maxLength, Func<char, bool> allowed)
    {
        if (!block.TryGetProperty(member, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        var text = value.GetString()!; // throws on a lone surrogate escape: caught by the caller, the line skipped
        if (text.Length == 0 || text.Length > maxLength)
        {
            return null;
        }
        foreach (var c in text)
        {
            if (!allowed(c))
            {
                return null;
            }
        }
        return text;
    }

    private static bool IsIdChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-';

    // Built-in names (Bash, Read), MCP names (mcp__server__tool) and plugin names (plugin:name).
    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':';
}
