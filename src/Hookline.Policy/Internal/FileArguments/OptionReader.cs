using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.FileArguments;

/// <summary>One argument as a command's option grammar reads it.</summary>
/// <param name="IsOperand">Not an option (or anything after <c>--</c>).</param>
/// <param name="Word">Index of the word it came from.</param>
/// <param name="Short">The letter of a short option; '\0' for a long one.</param>
/// <param name="Name">A long option's name (without <c>=value</c>); None for a short one.</param>
/// <param name="Value">The option's value (attached or the next word), or None.</param>
/// <param name="ValueWord">Index of the word the value is (or is part of); -1 without a value.</param>
/// <param name="Canonical">The long option's full name when written abbreviated (<c>--compress-prog</c>) or with two dashes
/// for a single-dash option (go's <c>--exec</c>); null when written as named.</param>
internal readonly record struct ArgumentItem(bool IsOperand, int Word, char Short, TextRange Name, TextRange Value, int ValueWord, string? Canonical = null);

/// <summary>
/// Walks a command's arguments by its <see cref="CommandFileSpec"/>: short clusters (<c>-n5</c>, <c>-la</c>), long
/// options (<c>--x=y</c>, <c>--x y</c>), single-dash long options the spec names (<c>-exec</c>), <c>--</c>.
/// </summary>
internal ref struct OptionReader
{
    private readonly ShellScan _scan;
    private readonly ReadOnlySpan<ShellWord> _words;
    private readonly CommandFileSpec _spec;
    private int _i;
    private int _cluster;
    private bool _operandsOnly;

    public OptionReader(ShellScan scan, ReadOnlySpan<ShellWord> words, CommandFileSpec spec)
    {
        _scan = scan;
        _words = words;
        _spec = spec;
    }

    public bool Next(out ArgumentItem item)
    {
        item = default;
        if (_cluster > 0)
        {
            return NextInCluster(out item);
        }

        if (_i >= _words.Length)
        {
            return false;
        }

        var index = _i++;
        var word = _words[index];
        var text = _scan[word.Text];
        if (_operandsOnly || word.HasExpansion || text.Length < 2 || text[0] != '-')
        {
            item = new ArgumentItem(true, index, '\0', TextRange.None, TextRange.None, -1);
            return true;
        }

        if (text is "--")
        {
            _operandsOnly = true;
            return Next(out item);
        }

        var equals = text.IndexOf('=');
        var name = equals < 0 ? text : text[..equals];
        if (text[1] == '-' || (name.Length > 2 && IsNamed(name)))
        {
            var nameRange = new TextRange(word.Text.Start, name.Length);
            var canonical = text[1] == '-' && !IsNamed(name) ? Canonical(name) : null;
            var known = canonical is null ? name : canonical;
            if (equals >= 0)
            {
                item = new ArgumentItem(false, index, '\0', nameRange, new TextRange(word.Text.Start + equals + 1, text.Length - equals - 1), index, canonical);
            }
            else if (Contains(_spec.NameThenValue, known) && _i + 1 < _words.Length)
            {
                item = new ArgumentItem(false, index, '\0', nameRange, _words[_i + 1].Text, _i + 1, canonical);
                _i += 2;
            }
            else if (Contains(_spec.LongWithValue, known) && _i < _words.Length)
            {
                item = new ArgumentItem(false, index, '\0', nameRange, _words[_i].Text, _i, canonical);
                _i++;
            }
            else
            {
                item = new ArgumentItem(false, index, '\0', nameRange, TextRange.None, -1, canonical);
            }

            return true;
        }

        _cluster = 1;
        return NextInCluster(out item);
    }

    private bool NextInCluster(out ArgumentItem item)
    {
        var index = _i - 1;
        var word = _words[index];
        var text = _scan[word.Text];
        var letter = text[_cluster];
        var position = _cluster++;
        if (_cluster >= text.Length)
        {
            _cluster = 0;
        }

        if (!_spec.ShortWithValue.Contains(letter))
        {
            item = new ArgumentItem(false, index, letter, TextRange.None, TextRange.None, -1);
            return true;
        }

        _cluster = 0;
        if (position + 1 < text.Length)
        {
            item = new ArgumentItem(false, index, letter, TextRange.None, new TextRange(word.Text.Start + position + 1, text.Length - position - 1), index);
        }
        else if (_i < _words.Length)
        {
            item = new ArgumentItem(false, index, letter, TextRange.None, _words[_i].Text, _i);
            _i++;
        }
        else
        {
            item = new ArgumentItem(false, index, letter, TextRange.None, TextRange.None, -1);
        }

        return true;
    }

    /// <summary>Is the option one of <paramref name="names"/>? Short options match "-x", long ones their name.</summary>
    public readonly bool Is(in ArgumentItem item, string[] names)
    {
        if (item.Short != '\0')
        {
            foreach (var name in names)
            {
                if (name.Length == 2 && name[0] == '-' && name[1] == item.Short)
                {
                    return true;
                }
            }

            return false;
        }

        return Contains(names, item.Canonical is { } canonical ? canonical : _scan[item.Name]);
    }

    /// <summary>The option's full name as the program resolves it, or null when it is written out or unknown.</summary>
    private readonly string? Canonical(ReadOnlySpan<char> name)
    {
        // Go's flags are named with one dash and accept two: --exec is -exec.
        foreach (var single in _spec.LongWithValue)
        {
            if (single.Length > 2 && single[1] != '-' && name[2..].SequenceEqual(single.AsSpan(1)))
            {
                return single;
            }
        }

        if (!_spec.AbbreviatesLong || name.Length < 3)
        {
            return null;
        }

        string? found = null;
        foreach (var candidate in _spec.LongNames)
        {
            if (candidate.AsSpan().StartsWith(name))
            {
                if (found is not null)
                {
                    return null; // ambiguous: the program refuses it
                }

                found = candidate;
            }
        }

        return found;
    }

    private readonly bool IsNamed(ReadOnlySpan<char> name) =>
        Contains(_spec.LongWithValue, name) || Contains(_spec.RunsProgram, name) || Contains(_spec.WritesValue, name) || Contains(_spec.ReadsValue, name)
        || Contains(_spec.NameThenValue, name);

    private static bool Contains(string[] names, ReadOnlySpan<char> name)
    {
        foreach (var candidate in names)
        {
            if (name.SequenceEqual(candidate))
            {
                return true;
            }
        }

        return false;
    }
}
