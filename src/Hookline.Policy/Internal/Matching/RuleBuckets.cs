namespace Hookline.Policy.Internal.Matching;

/// <summary>
/// Collects rule buckets and merges them in document order. One bucket is returned as it is; several are merged into
/// the thread's scratch array, so choosing candidates allocates nothing.
/// </summary>
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

        if (_many is null)
        {
            _many = EvaluationScratch.Current.Buckets;
            _many.Clear();
            _many.Add(_single);
        }

        _many.Add(bucket);
    }

    /// <summary>The candidates, valid until the next merge on this thread.</summary>
    public readonly ReadOnlySpan<CompiledRule> Merge()
    {
        if (_many is null)
        {
            return _single ?? [];
        }

        var total = 0;
        foreach (var bucket in _many)
        {
            total += bucket.Length;
        }

        var scratch = EvaluationScratch.Current;
        if (scratch.Merged.Length < total)
        {
            scratch.Merged = new CompiledRule[Math.Max(total, scratch.Merged.Length * 2)];
        }

        var merged = scratch.Merged.AsSpan(0, total);
        var at = 0;
        foreach (var bucket in _many)
        {
            bucket.CopyTo(merged[at..]);
            at += bucket.Length;
        }

        merged.Sort(static (a, b) => a.Order.CompareTo(b.Order));
        var count = 0;
        foreach (var rule in merged)
        {
            if (count == 0 || merged[count - 1] != rule)
            {
                merged[count++] = rule;
            }
        }

        _many.Clear();
        return merged[..count];
    }

    /// <summary>Builds keyed buckets (in document order) from rules and their keys.</summary>
    public static Dictionary<string, CompiledRule[]> Freeze(Dictionary<string, List<CompiledRule>> buckets) =>
        buckets.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), buckets.Comparer);

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
