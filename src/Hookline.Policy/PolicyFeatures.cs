namespace Hookline.Policy;

/// <summary>
/// Named engine features a policy document can need. The reader records the ones a document uses
/// (<see cref="PolicyDocument.RequiredFeatures"/>); the server sends them with every snapshot, and a sidecar whose
/// engine lacks one refuses the snapshot instead of deciding with a meaning it does not have. New policy syntax adds
/// a name here and a <c>RequireFeature</c> call where the reader accepts it.
/// </summary>
public static class PolicyFeatures
{
    /// <summary>The top-level <c>opaque_code</c> key (the effect for code given inline or on stdin).</summary>
    public const string OpaqueCode = "opaque_code";

    /// <summary>
    /// <c>agents:</c> naming an agent added after engines checked features (<c>agent:copilot</c>): an older engine
    /// would not read the document; with this it says which agent it lacks. Null for the agents every engine knows.
    /// </summary>
    public static string? ForAgent(string agent) => agent is "claude" or "codex" or "gemini" or "cursor" ? null : "agent:" + agent;

    private static readonly string[] SupportedNames =
        [OpaqueCode, .. Shared.AgentNames.Names().Select(ForAgent).OfType<string>()];

    /// <summary>Every feature this build of the engine honours.</summary>
    public static IReadOnlyList<string> Supported => SupportedNames;

    /// <summary>The names in <paramref name="required"/> this engine does not honour (empty when it honours all).</summary>
    public static IReadOnlyList<string> Unsupported(IEnumerable<string> required)
    {
        ArgumentNullException.ThrowIfNull(required);
        List<string>? missing = null;
        foreach (var name in required)
        {
            if (Array.IndexOf(SupportedNames, name) < 0)
            {
                (missing ??= []).Add(name);
            }
        }

        return missing ?? (IReadOnlyList<string>)[];
    }
}
