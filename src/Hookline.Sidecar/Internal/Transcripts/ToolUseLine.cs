using System.Text.Json;
using Hookline.Contracts.V1;

namespace Hookline.Sidecar.Internal.Transcripts;

/// <summary>
/// The tool calls one line of a Claude Code transcript records: an <c>assistant</c> entry's
/// <c>message.content[]</c> blocks of type <c>tool_use</c>. Only their <c>id</c> and <c>name</c> are taken, and only
/// when they look like ids and tool names; the input, the output and everything else stay in the file.
/// </summary>
internal static class ToolUseLine
{
    public const int MaxIdLength = 128;
    public const int MaxNameLength = 256;

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64 };

    /// <summary>Adds the line's tool calls to <paramref name="calls"/>; false when the line could not be read (skipped).</summary>
    public static bool TryRead(ReadOnlyMemory<byte> line, List<ExecutedToolCall> calls)
    {
        // Most lines are no tool call at all: not worth a parse.
        if (line.Span.IndexOf("\"tool_use\""u8) < 0)
        {
            return true;
        }
        try
        {
            using var document = JsonDocument.Parse(line, Options);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("type"u8, out var type) || type.ValueKind != JsonValueKind.String || !type.ValueEquals("assistant"u8)
                || !root.TryGetProperty("message"u8, out var message) || message.ValueKind != JsonValueKind.Object
                || !message.TryGetProperty("content"u8, out var content) || content.ValueKind != JsonValueKind.Array)
            {
                return true;
            }
            var sane = true;
            foreach (var block in content.EnumerateArray())
            {
                if (block.ValueKind != JsonValueKind.Object
                    || !block.TryGetProperty("type"u8, out var blockType) || blockType.ValueKind != JsonValueKind.String
                    || !blockType.ValueEquals("tool_use"u8))
                {
                    continue;
                }
                if (Text(block, "id"u8, MaxIdLength, IsIdChar) is { } id && Text(block, "name"u8, MaxNameLength, IsNameChar) is { } name)
                {
                    calls.Add(new ExecutedToolCall
                    {
                        ToolUseId = id,
                        NativeToolName = name,
                        ToolName = Hookline.Policy.ToolNames.Canonicalize(name),
                        Source = "transcript",
                    });
                }
                else
                {
                    sane = false;
                }
            }
            return sane;
        }
        catch (Exception ex) when (Hookline.Policy.JsonValidity.IsMalformedInput(ex))
        {
            return false;
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
