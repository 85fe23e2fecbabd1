using System.Text.RegularExpressions;
using Hookline.Policy.Internal.Options;

namespace Hookline.Policy.Internal.Matching;

internal enum PatternKind
{
    /// <summary><c>Tool</c> alone: any use of the tool.</summary>
    AnyUse,

    /// <summary><c>Bash(cmd *)</c>.</summary>
    Command,

    /// <summary><c>Read(./.env)</c>, <c>Edit(//etc/**)</c>.</summary>
    Path,

    /// <summary><c>WebFetch(domain:*.example.com)</c>.</summary>
    Domain,

    /// <summary>A wildcard on the tool's primary field: <c>WebSearch(*weather*)</c>, <c>Agent(Explore)</c>.</summary>
    Primary,

    /// <summary><c>Tool(param:value)</c> on another tool-input field.</summary>
    Param,
}

/// <summary>One parsed permission-rule pattern (<c>Tool</c> or <c>Tool(specifier)</c>).</summary>
internal sealed partial class RulePattern
{
    private RulePattern(string text, string tool, PatternKind kind)
    {
        Text = text;
        Tool = tool;
        Kind = kind;
    }

    public string Text { get; }

    /// <summary>Canonical tool name, or for MCP the name as written (<c>mcp__srv</c>, <c>mcp__srv__*</c>).</summary>
    public string Tool { get; }

    public PatternKind Kind { get; }
    public BashPattern? Command { get; private init; }

    /// <summary>For commands with a known option grammar: the pattern read as options (deny and ask rules only).</summary>
    public OptionPattern? Options { get; private init; }
    public PathGlob? Path { get; private init; }
    public HostPattern? Host { get; private init; }
    public Wildcard? Value { get; private init; }
    public string? Param { get; private init; }
    private Wildcard? McpTool { get; init; }
    private string? McpServer { get; init; }

    public bool IsMcp => McpServer is not null;

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_\-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ToolNameRegex();

    [GeneratedRegex(@"^([A-Za-z_][A-Za-z0-9_]+):(.*)$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex ParamRegex();

    public static RulePattern? TryParse(string text, out string? error)
    {
        error = null;
        var t = text.Trim();
        var open = t.IndexOf('(');
        string name;
        string? spec = null;
        if (open < 0)
        {
            name = t;
        }
        else
        {
            if (!t.EndsWith(')'))
            {
                error = $"pattern '{text}' must end with ')'";
                return null;
            }

            name = t[..open].Trim();
            spec = t[(open + 1)..^1];
        }

        if (name == "*" && spec is null)
        {
            return new RulePattern(text, "*", PatternKind.AnyUse); // any event: for rules that decide by conditions alone
        }

        if (name.StartsWith("mcp__", StringComparison.Ordinal))
        {
            return ParseMcp(text, name, spec, out error);
        }

        if (!ToolNameRegex().IsMatch(name))
        {
            error = name.Length == 0 ? $"pattern '{text}' has no tool name" : $"invalid tool name '{name}' in pattern '{text}'";
            return null;
        }

        var tool = ToolNames.Canonicalize(name);
        if (spec is null || (spec.Trim() == "*" && tool != ToolNames.Bash))
        {
            return new RulePattern(text, tool, PatternKind.AnyUse);
        }

        if (spec.Trim().Length == 0)
        {
            error = $"empty specifier in '{text}': write '{name}' for any use";
            return null;
        }

        switch (tool)
        {
            case ToolNames.Bash:
                return new RulePattern(text, tool, PatternKind.Command) { Command = BashPattern.Create(spec), Options = OptionPattern.TryCreate(text, spec) };
            case ToolNames.WebFetch:
                if (spec.StartsWith("domain:", StringComparison.Ordinal))
                {
                    var host = HostPattern.TryCreate(spec["domain:".Length..], out error);
                    return host is null ? null : new RulePattern(text, tool, PatternKind.Domain) { Host = host };
                }

                break;
        }

        var param = ParamRegex().Match(spec);
        if (param.Success)
        {
            return new RulePattern(text, tool, PatternKind.Param) { Param = param.Groups[1].Value, Value = new Wildcard(param.Groups[2].Value) };
        }

        switch (tool)
        {
            case ToolNames.Read or ToolNames.Edit or ToolNames.Write or ToolNames.MultiEdit or ToolNames.NotebookEdit or ToolNames.Glob or ToolNames.Grep:
                var glob = PathGlob.TryCreate(spec, out error);
                return glob is null ? null : new RulePattern(text, tool, PatternKind.Path) { Path = glob };
            case ToolNames.WebSearch:
                return new RulePattern(text, tool, PatternKind.Primary) { Value = new Wildcard(spec, ignoreCase: true) };
            case ToolNames.Agent:
                return new RulePattern(text, tool, PatternKind.Primary) { Value = new Wildcard(spec) };
            case ToolNames.WebFetch:
                error = $"'{text}': WebFetch rules take domain:HOST (or param:value)";
                return null;
            default:
                error = $"'{text}': {name} has no primary field; write {name}(param:value)";
                return null;
        }
    }

    private static RulePattern? ParseMcp(string text, string name, string? spec, out string? error)
    {
        error = null;
        var rest = name["mcp__".Length..];
        var sep = rest.IndexOf("__", StringComparison.Ordinal);
        var server = sep < 0 ? rest : rest[..sep];
        var toolPart = sep < 0 ? "*" : rest[(sep + 2)..];
        if (server.Length == 0 || server.Contains('*') || toolPart.Length == 0)
        {
            error = $"invalid MCP pattern '{text}': expected mcp__server, mcp__server__tool or mcp__server__*";
            return null;
        }

        Wildcard? value = null;
        string? param = null;
        var kind = PatternKind.AnyUse;
        if (spec is not null && spec.Trim() is not ("" or "*"))
        {
            var match = ParamRegex().Match(spec);
            if (!match.Success)
            {
                error = $"'{text}': MCP tools take Tool(param:value)";
                return null;
            }

            kind = PatternKind.Param;
            param = match.Groups[1].Value;
            value = new Wildcard(match.Groups[2].Value);
        }

        return new RulePattern(text, name, kind) { McpServer = server, McpTool = new Wildcard(toolPart), Param = param, Value = value };
    }

    /// <summary>Whether the pattern is about this (canonical) tool. Read covers Glob/Grep; Edit covers every file-writing tool.</summary>
    public bool AppliesTo(string tool)
    {
        if (McpServer is not null)
        {
            return McpNames.McpToolName.Matches(tool, McpServer!, McpTool!, unknownServerMatches: false);
        }

        if (tool == Tool || Tool == "*")
        {
            return true;
        }

        return Tool switch
        {
            ToolNames.Read => tool is ToolNames.Glob or ToolNames.Grep,
            ToolNames.Edit => tool is ToolNames.Write or ToolNames.MultiEdit or ToolNames.NotebookEdit,
            _ => false,
        };
    }

    /// <summary>
    /// An MCP pattern facing a tool of a server the agent did not name (<c>mcp____tool</c>): it could be any server, so
    /// deny and ask rules count it (allow rules and <c>unless</c> never do).
    /// </summary>
    public bool AppliesToUnknownMcpServer(string tool) =>
        McpServer is not null && McpNames.McpToolName.Matches(tool, McpServer, McpTool!, unknownServerMatches: true);

    /// <summary>For Bash redirects: does this pattern cover writing (or reading) the file?</summary>
    public bool CoversFileAccess(bool write) =>
        Kind == PatternKind.Path && (write ? Tool is ToolNames.Edit or ToolNames.Write : Tool == ToolNames.Read);

    public override string ToString() => Text;
}
