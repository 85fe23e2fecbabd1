using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using Hookline.Contracts.V1;

namespace Hookline.Server.Internal.Coverage;

internal enum ToolCallFactKind
{
    /// <summary>A PreToolUse was decided: the call is governed once it runs.</summary>
    Asked,

    /// <summary>Evidence that a call ran: a PostToolUse (PostToolUseFailure), or an entry of executed_calls.</summary>
    Ran,

    /// <summary>A replay filled in what the agent was told for a PreToolUse stored before.</summary>
    Amended,
}

/// <summary>What one stored event tells coverage, in storage order.</summary>
internal readonly record struct ToolCallFact(
    ToolCallFactKind Kind, string SessionId, string EventId, string ToolName, string ToolUseId, string MatchKey,
    string? Verdict, string? Source, string SubagentId, long AtMs)
{
    public const string PostToolUse = "post_tool_use";

    /// <summary>The facts of one event as it is stored (its capture applied: a hash never covers a secret that was redacted).</summary>
    public static void Of(HookEvent e, byte[]? storedInput, string? appliedVerdict, string? appliedSource, long atMs, List<ToolCallFact> into)
    {
        switch (e.HookEventName)
        {
            case "PreToolUse" when e.ToolName.Length > 0:
                into.Add(new(ToolCallFactKind.Asked, e.SessionId, e.EventId, e.ToolName, e.ToolUseId, Key(e.ToolName, e.ToolUseId, storedInput),
                    appliedVerdict ?? "none", appliedSource, e.SubagentId, atMs));
                break;
            case "PostToolUse" or "PostToolUseFailure" when e.ToolName.Length > 0:
                into.Add(new(ToolCallFactKind.Ran, e.SessionId, e.EventId, e.ToolName, e.ToolUseId, Key(e.ToolName, e.ToolUseId, storedInput),
                    null, PostToolUse, e.SubagentId, atMs));
                break;
        }
        foreach (var call in e.ExecutedCalls)
        {
            // The agent's own record is its file: only ids and tool names are taken, and a call without an id cannot be matched.
            if (call.ToolUseId.Length == 0 || call.ToolName.Length == 0)
            {
                continue;
            }
            into.Add(new(ToolCallFactKind.Ran, e.SessionId, e.EventId, call.ToolName, call.ToolUseId, "",
                null, call.Source.Length > 0 ? call.Source : "transcript", "", atMs));
        }
    }

    /// <summary>
    /// A decision that rewrote the input, with the rewrite captured as the event's input is (redacted, cut): the call
    /// that runs is the rewritten one, so its PostToolUse hashes like the rewrite, not like what the model asked for.
    /// A copy: the original may still be on its way to the sidecar. Nothing else of a decision's input is stored.
    /// </summary>
    public static Decision? WithCapturedRewrite(Decision? decision, Core.EventCapture capture)
    {
        if (decision is not { UpdatedInput.IsEmpty: false })
        {
            return decision;
        }
        var copy = decision.Clone();
        copy.UpdatedInput = capture.Prepare(new HookEvent { ToolInput = decision.UpdatedInput }).ToolInput;
        return copy;
    }

    /// <summary>Calls with a tool_use_id match on it alone; others on the tool and the hash of their input, in order.</summary>
    private static string Key(string tool, string toolUseId, byte[]? input)
        => toolUseId.Length > 0 ? "" : tool + "\u001f" + InputHash(input);

    /// <summary>
    /// SHA-256 (first 16 bytes, hex) of the input as canonical JSON: object keys sorted, no whitespace, so a PreToolUse
    /// and its PostToolUse hash alike however the agent spaced or ordered them. Input that is not JSON hashes as it is.
    /// </summary>
    public static string InputHash(byte[]? input)
    {
        if (input is not { Length: > 0 })
        {
            return "";
        }
        byte[] canonical;
        try
        {
            using var document = JsonDocument.Parse(input, new JsonDocumentOptions { MaxDepth = 64 });
            var buffer = new ArrayBufferWriter<byte>(input.Length);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                WriteSorted(document.RootElement, writer);
            }
            canonical = buffer.WrittenSpan.ToArray();
        }
        catch (JsonException)
        {
            canonical = input;
        }
        return Convert.ToHexStringLower(SHA256.HashData(canonical).AsSpan(0, 16));
    }

    private static void WriteSorted(JsonElement element, Utf8JsonWriter writer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteSorted(property.Value, writer);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteSorted(item, writer);
                }
                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
