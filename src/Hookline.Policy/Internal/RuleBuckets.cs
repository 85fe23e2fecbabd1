namespace Hookline.Policy.Internal;

/// <summary>Collects rule buckets and merges them in document order, without allocating in the one-bucket case.</summary>
internal struct RuleBuckets
{
    private CompiledRule[]? _single;
    private List<CompiledRule[]>? _many;

    public void Add(CompiledRule[] bucket)
    {
        if (bucket.Length == 0 || ReferenceEquals(bucket, _single) || (_many is not null && _many.Contains(bucket)))
        {
            return;
        }

        if (_single is null)
        {
            _single = bucket;
            return;
        }

        _many ??= [_single];
        _many.Add(bucket);
    }

    public readonly CompiledRule[] Merge()
    {
        if (_many is null)
        {
            return _single ?? [];
        }

        var merged = new List<CompiledRule>();
        foreach (var bucket in _many)
        {
            merged.AddRange(bucket);
        }

        merged.Sort((a, b) => a.Order.CompareTo(b.Order));
        var result = new List<CompiledRule>(merged.Count);
        foreach (var rule in merged)
        {
            if (result.Count == 0 || result[^1] != rule)
            {
                result.Add(rule);
            }
        }

        return result.ToArray();
    }

    /// <summary>Builds keyed buckets (in document order) from rules and their keys.</summary>
    public static Dictionary<string, CompiledRule[]> Freeze(Dictionary<string, List<CompiledRule>> buckets) =>
        buckets.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);

    public static void AddTo(Dictionary<string, List<CompiledRule>> buckets, string key, CompiledRule rule)
    {
        if (!buckets.TryGetValue(key, out var list))
        {
            buckets[key] = list = [];
        }

        if (list.Count == 0 || list[^1] != rule)
        {
            list.Add(rule);
        }
    }
}
