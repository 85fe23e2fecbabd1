namespace Hookline.Policy.Internal;

/// <summary>
/// Names a command line binds for its later commands: <c>alias x='rm -rf'</c>, <c>hash -p /bin/rm ls</c>, and git
/// aliases (<c>git -c alias.x=...</c>, <c>git config alias.x ...</c>). A later use is read both as written and expanded.
/// </summary>
internal sealed class BoundNames
{
    private readonly List<(TextRange Name, TextRange Value, bool Git)> _names = [];

    public int Count => _names.Count;

    public void Clear() => _names.Clear();

    public void Add(TextRange name, TextRange value, bool git) => _names.Add((name, value, git));

    public bool TryGet(ShellScan scan, ReadOnlySpan<char> name, bool git, out TextRange value)
    {
        for (var i = _names.Count - 1; i >= 0; i--)
        {
            var entry = _names[i];
            if (entry.Git == git && scan[entry.Name].SequenceEqual(name))
            {
                value = entry.Value;
                return true;
            }
        }

        value = TextRange.None;
        return false;
    }
}
