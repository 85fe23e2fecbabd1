using Hookline.Policy.Internal.Paths;

namespace Hookline.Policy.Internal.Matching;

/// <summary>
/// Path and domain rules of one tool, bucketed so an event is only checked against rules that can match it:
/// path rules by their anchor and literal first segment, domain rules by host. Everything else stays in a generic
/// bucket that is always checked.
/// </summary>
internal sealed class SubjectRuleIndex
{
    private readonly CompiledRule[] _generic;
    private readonly Dictionary<string, CompiledRule[]>.AlternateLookup<ReadOnlySpan<char>> _absolute;
    private readonly Dictionary<string, CompiledRule[]>.AlternateLookup<ReadOnlySpan<char>> _cwd;
    private readonly Dictionary<string, CompiledRule[]>.AlternateLookup<ReadOnlySpan<char>> _home;
    private readonly Dictionary<string, CompiledRule[]>.AlternateLookup<ReadOnlySpan<char>> _hosts;

    public SubjectRuleIndex(string tool, CompiledRule[] rules)
    {
        var generic = new List<CompiledRule>();
        // Path keys ignore case, so one lookup serves case-insensitive file systems too (a wider bucket only adds candidates).
        Dictionary<string, List<CompiledRule>> absolute = new(StringComparer.OrdinalIgnoreCase), cwd = new(StringComparer.OrdinalIgnoreCase),
            home = new(StringComparer.OrdinalIgnoreCase), hosts = new(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            var keys = new List<(Dictionary<string, List<CompiledRule>> Map, string Key)>();
            var keyable = true;
            foreach (var pattern in rule.Match)
            {
                if (!pattern.AppliesTo(tool))
                {
                    continue;
                }

                switch (pattern.Kind)
                {
                    case PatternKind.Path when pattern.Path!.FirstSegment is { } segment && pattern.Path.ParentLevels == 0:
                        keys.Add((pattern.Path.Anchor switch { PathAnchor.Absolute => absolute, PathAnchor.Home => home, _ => cwd }, segment));
                        break;
                    case PatternKind.Domain when pattern.Host!.IndexKey is { } host:
                        keys.Add((hosts, host));
                        break;
                    default:
                        keyable = false;
                        break;
                }
            }

            if (!keyable || keys.Count == 0)
            {
                generic.Add(rule);
                continue;
            }

            foreach (var (map, key) in keys)
            {
                RuleBuckets.AddTo(map, key, rule);
            }
        }

        _generic = generic.ToArray();
        _absolute = RuleBuckets.Freeze(absolute).GetAlternateLookup<ReadOnlySpan<char>>();
        _cwd = RuleBuckets.Freeze(cwd).GetAlternateLookup<ReadOnlySpan<char>>();
        _home = RuleBuckets.Freeze(home).GetAlternateLookup<ReadOnlySpan<char>>();
        _hosts = RuleBuckets.Freeze(hosts).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The rules that can match this event, in document order.</summary>
    public ReadOnlySpan<CompiledRule> Candidates(EventSubject subject)
    {
        var buckets = new RuleBuckets();
        buckets.Add(_generic);
        if (subject.PathRange.HasValue)
        {
            var path = subject.Text[subject.PathRange];
            AddFirstSegment(ref buckets, _absolute, path, "/");
            AddFirstSegment(ref buckets, _cwd, path, subject.Root);
            if (subject.Home is { } knownHome && !path.StartsWith(PathNormalizer.UnknownHome, StringComparison.Ordinal))
            {
                AddFirstSegment(ref buckets, _home, path, knownHome);
            }
            else
            {
                // A home that is not known may be any directory: every ~ rule is a candidate.
                foreach (var bucket in _home.Dictionary.Values)
                {
                    buckets.Add(bucket);
                }
            }
        }

        if (subject.HostRange.HasValue && _hosts.Dictionary.Count > 0)
        {
            // The host itself and every parent domain: a.b.example.com, b.example.com, example.com, com.
            var rest = subject.Text[subject.HostRange];
            while (true)
            {
                if (_hosts.TryGetValue(rest, out var bucket))
                {
                    buckets.Add(bucket);
                }

                var dot = rest.IndexOf('.');
                if (dot < 0)
                {
                    break;
                }

                rest = rest[(dot + 1)..];
            }
        }

        return buckets.Merge();
    }

    private static void AddFirstSegment(ref RuleBuckets buckets, Dictionary<string, CompiledRule[]>.AlternateLookup<ReadOnlySpan<char>> map, ReadOnlySpan<char> path, string baseDir)
    {
        if (map.Dictionary.Count == 0)
        {
            return;
        }

        ReadOnlySpan<char> rest;
        if (baseDir == "/")
        {
            rest = path[1..];
        }
        else if (path.Length > baseDir.Length && path.StartsWith(baseDir, StringComparison.OrdinalIgnoreCase) && path[baseDir.Length] == '/')
        {
            rest = path[(baseDir.Length + 1)..];
        }
        else
        {
            return;
        }

        var slash = rest.IndexOf('/');
        if (map.TryGetValue(slash < 0 ? rest : rest[..slash], out var bucket))
        {
            buckets.Add(bucket);
        }
    }
}
