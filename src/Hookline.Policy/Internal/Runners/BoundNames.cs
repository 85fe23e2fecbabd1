using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Runners;

/// <summary>
/// Names a command line binds for its later commands: <c>alias x='rm -rf'</c>, <c>hash -p /bin/rm ls</c>, and git
/// aliases (<c>git -c alias.x=...</c>, <c>git config alias.x ...</c>). A later use is read both as written and expanded.
/// </summary>
internal sealed class BoundNames
{
    private readonly List<(TextRange Name, TextRange Value, bool Git)> _names = [];
    private ulong _suspended;

    public int Count => _names.Count;

    public void Clear()
    {
        _names.Clear();
        _suspended = 0;
    }

    /// <summary>While a name's expansion is read, the name is not expanded again; returns what to pass to <see cref="Resume"/>.</summary>
    public ulong Suspend(ShellScan scan, ReadOnlySpan<char> name)
    {
        for (var i = Math.Min(_names.Count, 64) - 1; i >= 0; i--)
        {
            if (!_names[i].Git && scan[_names[i].Name].SequenceEqual(name))
            {
                var bit = 1UL << i;
                var added = bit & ~_suspended;
                _suspended |= bit;
                return added;
            }
        }

        return 0;
    }

    public void Resume(ulong entry) => _suspended &= ~entry;

    public void Add(TextRange name, TextRange value, bool git) => _names.Add((name, value, git));

    public bool TryGet(ShellScan scan, ReadOnlySpan<char> name, bool git, out TextRange value)
    {
        for (var i = _names.Count - 1; i >= 0; i--)
        {
            var entry = _names[i];
            if (entry.Git == git && (i >= 64 || (_suspended & (1UL << i)) == 0) && scan[entry.Name].SequenceEqual(name))
            {
                value = entry.Value;
                return true;
            }
        }

        value = TextRange.None;
        return false;
    }
}
