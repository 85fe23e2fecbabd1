namespace Hookline.Policy.Internal.Matching;

/// <summary>Lists of event times that two processes may each have extended from a common start.</summary>
internal static class TimeLists
{
    /// <summary>
    /// Both lists as one sorted list, where a time both hold counts as often as the list holding it more often does
    /// (a common prefix counts once, not twice); only the newest <paramref name="keep"/> are returned.
    /// </summary>
    public static List<DateTimeOffset> Union(IReadOnlyList<DateTimeOffset> a, IReadOnlyList<DateTimeOffset> b, int keep)
    {
        var left = a.ToArray();
        var right = b.ToArray();
        Array.Sort(left);
        Array.Sort(right);
        var merged = new List<DateTimeOffset>(left.Length + right.Length);
        int i = 0, j = 0;
        while (i < left.Length || j < right.Length)
        {
            if (j == right.Length || i < left.Length && left[i] < right[j])
            {
                merged.Add(left[i++]);
            }
            else if (i == left.Length || right[j] < left[i])
            {
                merged.Add(right[j++]);
            }
            else
            {
                merged.Add(left[i++]);
                j++;
            }
        }
        if (merged.Count > keep)
        {
            merged.RemoveRange(0, merged.Count - keep);
        }
        return merged;
    }
}
