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
    /// A rule's <c>approval:</c> or the top-level <c>approvals:</c>: an older engine would turn the approval into a plain
    /// prompt (or a deny), so it refuses the snapshot and applies its fail mode instead.
    /// </summary>
    public const string Approvals = "approvals";

    /// <summary>
    /// <c>agents:</c> naming an agent added after feature lists began (<c>agent_copilot</c>, <c>agent_qwen</c>): one feature per agent,
    /// from <see cref="Hookline.Shared.AgentNames"/>, so a sidecar that knows some of the new agents still takes the
    /// documents that name only those.
    /// </summary>
    private static readonly string[] SupportedNames =
    [
        OpaqueCode,
        Approvals,
        .. Hookline.Shared.AgentNames.All.Select(a => a.PolicyFeature).OfType<string>(),
    ];

    /// <summary>Every feature this build of the engine honours.</summary>
    public static IReadOnlyList<string> Supported => SupportedNames;

    /// <summary>The names in <paramref name="required"/> this engine does not honour (empty when it honours all).</summary>
    public static IReadOnlyList<string> Unsupported(IEnumerable<string> required) => Unsupported(required, SupportedNames);

    /// <summary>The names in <paramref name="required"/> that <paramref name="supported"/> (an engine's features) lacks.</summary>
    public static IReadOnlyList<string> Unsupported(IEnumerable<string> required, IReadOnlyList<string> supported)
    {
        ArgumentNullException.ThrowIfNull(required);
        ArgumentNullException.ThrowIfNull(supported);
        List<string>? missing = null;
        foreach (var name in required)
        {
            if (!supported.Contains(name, StringComparer.Ordinal))
            {
                (missing ??= []).Add(name);
            }
        }

        return missing ?? (IReadOnlyList<string>)[];
    }
}
