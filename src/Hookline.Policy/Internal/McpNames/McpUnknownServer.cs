using Hookline.Policy.Internal.Matching;

namespace Hookline.Policy.Internal.McpNames;

/// <summary>
/// Deny rules facing an MCP tool whose server the agent did not name (<c>mcp____tool</c>, Cursor): the rule may or may
/// not be about that server, so it answers ask, never deny and never allow.
/// </summary>
internal static class McpUnknownServer
{
    /// <summary>Does this deny hit come only from not knowing the server (an MCP pattern against an unnamed server)?</summary>
    public static bool Downgrades(EventSubject subject, string hitPattern) =>
        hitPattern.StartsWith("mcp__", StringComparison.Ordinal) && McpToolName.HasUnknownServer(subject.MatchKey);

    public static PolicyDecision Decision(List<CompiledRule> rules, string? matched)
    {
        var ids = new string[rules.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = rules[i].Id;
        }

        return new PolicyDecision(Effect.Ask, false,
            $"the agent does not say which MCP server this tool belongs to, and rule '{rules[0].Id}' denies it for some server ({rules[0].Reason ?? "no reason given"})",
            ReasonCodes.UnknownMcpServer, ids, matched);
    }
}
