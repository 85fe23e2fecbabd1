using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal;

namespace Hookline.Policy;

/// <summary>One rule that matched an event, and what it matched.</summary>
/// <param name="RuleId">The rule.</param>
/// <param name="Effect">The rule's effect.</param>
/// <param name="Pattern">The pattern that matched.</param>
/// <param name="Subject">The sub-command, normalised path, domain, ... it matched.</param>
/// <param name="Applied">False when the rule matched but did not apply (rate limit not exceeded).</param>
public sealed record PolicyRuleMatch(string RuleId, Effect Effect, string Pattern, string Subject, bool Applied);

/// <summary>A decision with its explanation: how the event was read and every rule that matched.</summary>
public sealed class PolicyExplanation
{
    private PolicyExplanation(PolicyDecision decision, string tool, IReadOnlyList<string> subCommands, IReadOnlyList<string> writeTargets,
        IReadOnlyList<string> readTargets, string? path, string? host, string? unparsableReason, IReadOnlyList<PolicyRuleMatch> matches)
    {
        Decision = decision;
        Tool = tool;
        SubCommands = subCommands;
        WriteTargets = writeTargets;
        ReadTargets = readTargets;
        Path = path;
        Host = host;
        UnparsableReason = unparsableReason;
        Matches = matches;
    }

    public PolicyDecision Decision { get; }

    /// <summary>The canonical tool name.</summary>
    public string Tool { get; }

    /// <summary>Bash: the simple commands, after wrappers and assignments were stripped.</summary>
    public IReadOnlyList<string> SubCommands { get; }

    /// <summary>Bash: files written by redirections (normalised).</summary>
    public IReadOnlyList<string> WriteTargets { get; }

    /// <summary>Bash: files read by redirections (normalised).</summary>
    public IReadOnlyList<string> ReadTargets { get; }

    /// <summary>File tools: the normalised path.</summary>
    public string? Path { get; }

    /// <summary>WebFetch: the URL's host.</summary>
    public string? Host { get; }

    /// <summary>Why the command or URL could not be understood, or null.</summary>
    public string? UnparsableReason { get; }

    /// <summary>Every rule that matched, in document order.</summary>
    public IReadOnlyList<PolicyRuleMatch> Matches { get; }

    /// <summary>Every path the event was decided on when there are several (with the real paths behind symbolic links).</summary>
    public IReadOnlyList<string> AllPaths { get; private init; } = [];

    /// <summary>Where <c>./</c> and <c>/</c> in path patterns were anchored: the session's project root.</summary>
    public string ProjectRoot { get; private init; } = "/";

    /// <summary>The home <c>~</c> stood for; null when none was known.</summary>
    public string? Home { get; private init; }

    internal static PolicyExplanation Create(PolicyDecision decision, EventSubject subject, List<RuleHit> trace)
    {
        var shell = subject.Shell;
        return new PolicyExplanation(
            decision,
            subject.Tool,
            shell?.Commands.Select(c => Internal.OpaqueCode.OpaqueCodeRules.Describe(shell, c)).ToArray() ?? [],
            shell?.WriteTargets.Select(p => subject.NormalizePath(shell.Text.ToStringOrNull(p)!, subject.Cwd)).ToArray() ?? [],
            shell?.ReadTargets.Select(p => subject.NormalizePath(shell.Text.ToStringOrNull(p)!, subject.Cwd)).ToArray() ?? [],
            subject.Path,
            subject.Host,
            subject.UnparsableReason,
            trace.OrderBy(h => h.Rule.Order).Select(h => new PolicyRuleMatch(h.Rule.Id, h.Rule.Effect, h.Pattern, h.Subject, h.Applied)).ToArray())
        {
            AllPaths = subject.AllPaths ?? [],
            ProjectRoot = subject.Root,
            Home = subject.Home,
        };
    }

    /// <summary>A human-readable, multi-line explanation.</summary>
    public override string ToString()
    {
        var lines = new List<string> { $"decision: {Decision.Effect.ToString().ToLowerInvariant()} ({Decision.ReasonCode}){(Decision.Reason is null ? "" : " - " + Decision.Reason)}" };
        if (Decision.Approval is { } approval)
        {
            lines.Add($"approval: {approval}");
        }

        lines.Add($"tool: {(Tool.Length == 0 ? "(none)" : Tool)}");
        if (UnparsableReason is not null)
        {
            lines.Add($"unparsable: {UnparsableReason}");
        }

        lines.AddRange(SubCommands.Select(c => $"sub-command: {c}"));
        lines.AddRange(WriteTargets.Select(p => $"writes: {p}"));
        lines.AddRange(ReadTargets.Select(p => $"reads: {p}"));
        if (Path is not null)
        {
            lines.Add($"path: {Path}");
        }

        lines.AddRange(AllPaths.Skip(1).Select(p => $"path: {p}"));
        if (Path is not null || WriteTargets.Count + ReadTargets.Count > 0)
        {
            lines.Add($"anchored at: {ProjectRoot}; home: {Home ?? "unknown (~ deny and ask rules match under any home, ~ allow rules match nothing)"}");
        }

        if (Host is not null)
        {
            lines.Add($"host: {Host}");
        }

        lines.AddRange(Matches.Count == 0
            ? ["no rule matched"]
            : Matches.Select(m => $"rule {m.RuleId} ({m.Effect.ToString().ToLowerInvariant()}): {m.Pattern} matched '{m.Subject}'{(m.Applied ? "" : " (rate limit not exceeded: not applied)")}"));
        return string.Join('\n', lines);
    }
}
