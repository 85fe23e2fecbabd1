namespace Hookline.Sidecar.Internal.Agents;

/// <summary>The agents Hookline knows, by the name used in <c>--agent</c>.</summary>
internal static class AgentAdapters
{
    private static readonly Dictionary<string, IAgentAdapter> ByName = new IAgentAdapter[]
    {
        new ClaudeAdapter(), new CodexAdapter(), new GeminiAdapter(), new CursorAdapter(), new QwenAdapter(), new CopilotAdapter(),
    }.ToDictionary(a => a.Name, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    public static IAgentAdapter? Find(string name) => ByName.GetValueOrDefault(name);
}
