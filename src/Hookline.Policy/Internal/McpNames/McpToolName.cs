using Hookline.Policy.Internal.Matching;

namespace Hookline.Policy.Internal.McpNames;

/// <summary>
/// How an event's <c>mcp__server__tool</c> name meets a pattern's server: server names compare case-insensitively,
/// a plugin-installed server (<c>mcp__plugin_&lt;plugin&gt;_&lt;server&gt;__tool</c>) is the server it names, and an empty
/// server (<c>mcp____tool</c>, as for Cursor, which does not say which server a tool belongs to) is unknown: deny and
/// ask rules match it whatever server they name, allow rules never do.
/// </summary>
internal static class McpToolName
{
    private const string Prefix = "mcp__";
    private const string PluginPrefix = "plugin_";

    /// <summary>Does the event's tool name belong to <paramref name="server"/> with a tool <paramref name="tool"/> matches?</summary>
    public static bool Matches(string toolName, string server, Wildcard tool, bool unknownServerMatches)
    {
        // The common case first, as written: mcp__<server>__<tool>.
        var at = Prefix.Length + server.Length;
        if (toolName.Length > at + 2 && toolName.StartsWith(Prefix, StringComparison.Ordinal) && toolName.AsSpan(Prefix.Length, server.Length).SequenceEqual(server)
            && toolName[at] == '_' && toolName[at + 1] == '_')
        {
            return tool.IsMatch(toolName.AsSpan(at + 2));
        }

        if (!TrySplit(toolName, out var eventServer, out var eventTool))
        {
            return false;
        }

        var serverMatches = eventServer.Length == 0 ? unknownServerMatches : IsServer(eventServer, server);
        return serverMatches && tool.IsMatch(eventTool);
    }

    /// <summary>Whether the event's tool name is an MCP tool of a server nobody named.</summary>
    public static bool HasUnknownServer(string toolName) => TrySplit(toolName, out var server, out _) && server.Length == 0;

    private static bool IsServer(ReadOnlySpan<char> eventServer, string server)
    {
        if (eventServer.Equals(server, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // plugin_<plugin>_<server>: the plugin's name is not empty and the server is what follows its last '_' run.
        return eventServer.Length > PluginPrefix.Length + 1 + server.Length
            && eventServer.StartsWith(PluginPrefix, StringComparison.OrdinalIgnoreCase)
            && eventServer[^(server.Length + 1)] == '_'
            && eventServer[^server.Length..].Equals(server, StringComparison.OrdinalIgnoreCase);
    }

    private static bool TrySplit(string toolName, out ReadOnlySpan<char> server, out ReadOnlySpan<char> tool)
    {
        server = tool = default;
        if (!toolName.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = toolName.AsSpan(Prefix.Length);
        var separator = rest.IndexOf("__", StringComparison.Ordinal);
        if (separator < 0 || separator + 2 >= rest.Length)
        {
            return false;
        }

        server = rest[..separator];
        tool = rest[(separator + 2)..];
        return true;
    }
}
