using System.Text.Json;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Shared;
using Hookline.Sidecar.Internal.Listening;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>
/// Cursor: flat snake_case answers <c>{"permission":"allow|deny|ask","user_message","agent_message"}</c>. Its
/// before* events carry the command, file or MCP call directly; they are mapped onto Claude's tool names.
/// </summary>
internal sealed class CursorAdapter : IAgentAdapter
{
    public string Name => AgentNames.Cursor;

    public bool IsBlocking(string hookEvent) => AgentNames.IsBlocking(Name, hookEvent);

    public string CanonicalEvent(string hookEvent) => hookEvent switch
    {
        "pre-tool-use" or "before-shell-execution" or "before-mcp-execution" or "before-read-file" => "PreToolUse",
        "before-submit-prompt" => "UserPromptSubmit",
        _ => HookJson.PascalCase(hookEvent),
    };

    public bool TryDecode(string hookEvent, ReadOnlyMemory<byte> stdin, HookEvent target, out string error)
    {
        target.NativeEvent = CamelCase(hookEvent);
        target.HookEventName = CanonicalEvent(hookEvent);
        if (!HookJson.TryParseObject(stdin, out var document, out error))
        {
            return false;
        }
        using (document)
        {
            var root = document!.RootElement;
            HookJson.FillCommon(root, target);
            target.AgentSessionId = HookJson.String(root, "conversation_id") is { Length: > 0 } conversation ? conversation : target.AgentSessionId;
            var roots = root.TryGetProperty("workspace_roots", out var r) && r.ValueKind == JsonValueKind.Array && r.GetArrayLength() > 0
                ? r[0].GetString() ?? "" : "";
            if (target.Cwd.Length == 0)
            {
                target.Cwd = HookJson.String(root, "cwd") is { Length: > 0 } cwd ? cwd : roots;
            }
            // The workspace root is the project: where ./ and / in path rules anchor (as 'policy test' reads it).
            target.ProjectDirectory = roots;
            if (Hookline.Policy.CursorEvents.ToolOf(hookEvent, root, out var flatInput) is { } flatTool)
            {
                // The one mapping shared with 'policy test' and 'policy explain'.
                target.ToolName = flatTool;
                target.NativeToolName = flatTool.StartsWith("mcp__", StringComparison.Ordinal) ? HookJson.String(root, "tool_name") : flatTool;
                if (flatInput is not null)
                {
                    target.ToolInput = ByteString.CopyFrom(flatInput);
                }
                return true;
            }
            switch (hookEvent)
            {
                case "pre-tool-use":
                    if (!HookJson.RequireTool(root, out error))
                    {
                        return false;
                    }
                    target.ToolName = Hookline.Policy.ToolNames.Canonicalize(target.NativeToolName);
                    break;
                default:
                    target.ToolName = Hookline.Policy.ToolNames.Canonicalize(target.NativeToolName);
                    break;
            }
            return true;
        }
    }

    public HookReply Encode(string hookEvent, HookOutcome outcome)
    {
        if (!IsBlocking(hookEvent) || (outcome.Verdict == Verdict.Allow && outcome.IsDefault))
        {
            return HookReply.Empty;
        }
        if (hookEvent == "before-submit-prompt")
        {
            return HookJson.Json(HookJson.Write(w =>
            {
                w.WriteBoolean("continue", outcome.Verdict == Verdict.Allow);
                if (outcome.Verdict != Verdict.Allow)
                {
                    w.WriteString("user_message", outcome.Reason);
                }
            }));
        }
        return HookJson.Json(HookJson.Write(w =>
        {
            // A verdict this sidecar does not know (VERDICT_PENDING among them) is a deny, never an allow.
            w.WriteString("permission", outcome.Verdict switch
            {
                Verdict.Allow => "allow",
                Verdict.Ask => "ask",
                _ => "deny",
            });
            if (outcome.Verdict != Verdict.Allow)
            {
                w.WriteString("user_message", outcome.Reason);
                w.WriteString("agent_message", outcome.Reason);
            }
        }));
    }

    private static ByteString JsonObject(Action<Utf8JsonWriter> body) => ByteString.CopyFrom(HookJson.Write(body));

    private static string CamelCase(string kebab)
    {
        var pascal = HookJson.PascalCase(kebab);
        return pascal.Length == 0 ? pascal : char.ToLowerInvariant(pascal[0]) + pascal[1..];
    }
}
