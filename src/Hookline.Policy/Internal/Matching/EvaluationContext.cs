using System.Text.Json;

namespace Hookline.Policy.Internal.Matching;

/// <summary>What conditions can see about one event: the input plus session facts.</summary>
internal sealed class EvaluationContext
{
    public PolicyInput Input { get; private set; } = null!;
    public string Tool { get; private set; } = "";
    public IReadOnlySet<string>? Taints { get; private set; }
    public int Denials { get; private set; }

    /// <summary>Fills this (reused) context for one evaluation.</summary>
    public EvaluationContext Set(PolicyInput input, string tool, IReadOnlySet<string>? taints, int denials)
    {
        Input = input;
        Tool = tool;
        Taints = taints;
        Denials = denials;
        return this;
    }
}

internal enum FieldSource
{
    ToolInput,
    ToolName,
    Cwd,
    Agent,
    User,
    Org,
    HookEvent,
    Tainted,
    SessionDenials,
    SessionId,
    Prompt,
}

/// <summary>A resolved field value: missing, text, number or boolean.</summary>
internal readonly record struct FieldValue(bool Exists, string? Text, double? Number, bool? Boolean)
{
    public static readonly FieldValue Missing = new(false, null, null, null);

    public static FieldValue FromString(string? s) => s is null ? Missing : new(true, s, null, null);

    public static FieldValue FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => new(true, e.GetString(), null, null),
        JsonValueKind.Number => new(true, e.GetRawText(), e.TryGetDouble(out var d) ? d : null, null),
        JsonValueKind.True => new(true, "true", null, true),
        JsonValueKind.False => new(true, "false", null, false),
        JsonValueKind.Object or JsonValueKind.Array => new(true, null, null, null),
        _ => Missing,
    };
}

/// <summary>A field path such as <c>tool_input.command</c> or <c>session.denials</c>.</summary>
internal sealed class FieldPath
{
    private static readonly Dictionary<string, FieldSource> Named = new(StringComparer.Ordinal)
    {
        ["tool_name"] = FieldSource.ToolName,
        ["cwd"] = FieldSource.Cwd,
        ["agent"] = FieldSource.Agent,
        ["user"] = FieldSource.User,
        ["org"] = FieldSource.Org,
        ["hook_event"] = FieldSource.HookEvent,
        ["tainted"] = FieldSource.Tainted,
        ["session.denials"] = FieldSource.SessionDenials,
        ["session"] = FieldSource.SessionId,
        ["session_id"] = FieldSource.SessionId,
        ["prompt"] = FieldSource.Prompt,
    };

    private FieldPath(string text, FieldSource source, string[] segments)
    {
        Text = text;
        Source = source;
        Segments = segments;
    }

    public string Text { get; }
    public FieldSource Source { get; }
    public string[] Segments { get; }

    public static FieldPath? TryParse(string text, out string? error)
    {
        error = null;
        if (Named.TryGetValue(text, out var source))
        {
            return new FieldPath(text, source, []);
        }

        if (text.StartsWith("tool_input.", StringComparison.Ordinal))
        {
            var segments = text["tool_input.".Length..].Split('.');
            if (segments.All(s => s.Length > 0))
            {
                return new FieldPath(text, FieldSource.ToolInput, segments);
            }
        }

        error = $"unknown field '{text}': expected tool_input.<name>, tool_name, cwd, agent, user, org, hook_event, tainted, session, session.denials or prompt";
        return null;
    }

    public FieldValue Resolve(EvaluationContext ctx)
    {
        var input = ctx.Input;
        switch (Source)
        {
            case FieldSource.ToolName: return FieldValue.FromString(ctx.Tool);
            case FieldSource.Cwd: return FieldValue.FromString(input.Cwd);
            case FieldSource.Agent: return FieldValue.FromString(input.Agent);
            case FieldSource.User: return FieldValue.FromString(input.User);
            case FieldSource.Org: return FieldValue.FromString(input.Org);
            case FieldSource.HookEvent: return FieldValue.FromString(input.HookEvent);
            case FieldSource.SessionId: return FieldValue.FromString(input.SessionId);
            case FieldSource.Prompt: return FieldValue.FromString(input.Prompt);
            case FieldSource.SessionDenials: return new FieldValue(true, null, ctx.Denials, null);
            case FieldSource.Tainted: return new FieldValue(true, null, null, null); // set semantics: handled by the operators
            default:
                var e = input.ToolInput;
                foreach (var segment in Segments)
                {
                    if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty(segment, out var child))
                    {
                        e = child;
                    }
                    else if (e.ValueKind == JsonValueKind.Array && int.TryParse(segment, out var index) && index >= 0 && index < e.GetArrayLength())
                    {
                        e = e[index];
                    }
                    else
                    {
                        return FieldValue.Missing;
                    }
                }

                return FieldValue.FromJson(e);
        }
    }
}
