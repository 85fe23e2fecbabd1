using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using Hookline.Policy.Internal.Document;
using Hookline.Policy.Internal;

namespace Hookline.Policy;

/// <summary>A parsed and fully validated policy document (YAML or JSON). Immutable.</summary>
public sealed class PolicyDocument
{
    internal PolicyDocument(string text, Effect @default, PolicyMode mode, FailMode? failMode, int? budgetMs, TimeSpan? maxSnapshotAge,
        IReadOnlyList<PolicyRule> rules, IReadOnlyList<TaintRule> taints, EscalationRule? escalate,
        Effect opaqueCode = Effect.Ask, IReadOnlyList<string>? requiredFeatures = null, PolicyApprovals? approvals = null)
    {
        Approvals = approvals ?? PolicyApprovals.None;
        OpaqueCode = opaqueCode;
        RequiredFeatures = requiredFeatures ?? [];
        Text = text;
        Default = @default;
        Mode = mode;
        FailMode = failMode;
        BudgetMs = budgetMs;
        MaxSnapshotAge = maxSnapshotAge;
        Rules = rules;
        RewritesInput = rules.Any(r => r.Set.Count > 0);
        Taints = taints;
        Escalate = escalate;
    }

    /// <summary>The original text.</summary>
    public string Text { get; }

    /// <summary>
    /// Lowercase hex SHA-256 of the UTF-8 text, computed when first read: a sidecar compiles every pushed snapshot but
    /// never reads its hash, and hashing would load OpenSSL into it (libcrypto and libssl, about 4 MiB of its RSS).
    /// </summary>
    public string Hash => _hash ??= Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text)));
    private string? _hash;

    /// <summary>The effect when no rule matches (default allow).</summary>
    public Effect Default { get; }

    /// <summary>enforce (default), observe or disabled. Applied by the server, not by the library.</summary>
    public PolicyMode Mode { get; }

    /// <summary>Null when the document does not set <c>fail_mode</c>.</summary>
    public FailMode? FailMode { get; }

    /// <summary>Null when the document does not set <c>budget_ms</c>.</summary>
    public int? BudgetMs { get; }

    /// <summary>Null when the document does not set <c>max_snapshot_age</c>.</summary>
    public TimeSpan? MaxSnapshotAge { get; }

    public IReadOnlyList<PolicyRule> Rules { get; }

    /// <summary>
    /// The answer for code given inline or on stdin (<c>python3 -c</c>, <c>perl -e</c>, ...) that no allow rule names
    /// exactly: <see cref="Effect.Ask"/> (default) or <see cref="Effect.Deny"/> (<c>opaque_code</c>).
    /// </summary>
    public Effect OpaqueCode { get; }

    /// <summary>The engine features (<see cref="PolicyFeatures"/>) this document uses, sorted; a snapshot carries them.</summary>
    public IReadOnlyList<string> RequiredFeatures { get; }

    /// <summary>Some rule has <c>set:</c>: an allow may rewrite the tool input (checked once, not per event).</summary>
    public bool RewritesInput { get; }

    /// <summary>Session taint sources (<c>taints</c>).</summary>
    public IReadOnlyList<TaintRule> Taints { get; }

    /// <summary>Escalation after repeated denials (<c>escalate</c>), or null.</summary>
    public EscalationRule? Escalate { get; }

    /// <summary>
    /// <c>approvals:</c>: where plain asks (rules without <c>approval:</c>, the engine's own asks) go for each agent,
    /// and the approval they get there; <see cref="PolicyApprovals.None"/> when the document does not say.
    /// </summary>
    public PolicyApprovals Approvals { get; }

    /// <summary>Parses and validates; throws <see cref="PolicyException"/> listing every error.</summary>
    public static PolicyDocument Parse(string text, string source = "<policy>")
    {
        return TryParse(text, source, out var document, out var errors) ? document : throw new PolicyException(errors);
    }

    /// <summary>Parses and validates without throwing. On failure <paramref name="errors"/> lists every error with its position.</summary>
    public static bool TryParse(string text, string source, [NotNullWhen(true)] out PolicyDocument? document, out IReadOnlyList<PolicyError> errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        source ??= "<policy>";
        var list = new List<PolicyError>();
        document = DocumentReader.Read(text, source, list);
        if (list.Count > 0)
        {
            document = null;
        }

        errors = list.OrderBy(e => e.Line).ThenBy(e => e.Column).ToArray();
        return document is not null;
    }
}
