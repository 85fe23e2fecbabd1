using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal.Paths;
using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Options;

/// <summary>
/// A deny/ask Bash pattern for a command with a known option grammar, read as an intent: <c>Bash(rm -rf *)</c> is "rm
/// with at least the recursive and force options, and operands matching <c>*</c>", in any spelling
/// (<c>rm -vrf</c>, <c>rm --recur --force</c>, <c>rm ./build -r -f</c>). Compiled once with the policy; null for
/// patterns that name no option, or an option the grammar does not know (those stay textual).
/// </summary>
internal sealed class OptionPattern
{
    private readonly OptionGrammar _grammar;
    private readonly ulong _required;
    private readonly (int Bit, Wildcard Value)[] _values;
    private readonly BashPattern _operands;

    private OptionPattern(OptionGrammar grammar, ulong required, (int, Wildcard)[] values, BashPattern operands, string described, string key)
    {
        _grammar = grammar;
        _required = required;
        _values = values;
        _operands = operands;
        Described = described;
        Key = key;
    }

    /// <summary>
    /// What the pattern requires, interned: <c>rm -rf *</c>, <c>rm -fr *</c> and <c>rm --recursive --force *</c> share one
    /// key, so a rule listing every spelling reads a command's options once.
    /// </summary>
    public string Key { get; }

    /// <summary>What explanations say matched: the pattern, and how it was read.</summary>
    public string Described { get; }

    public static OptionPattern? TryCreate(string patternText, string specifier)
    {
        var tokens = PatternWords.Split(specifier);
        if (tokens.Count < 2 || tokens[0].Contains('*'))
        {
            return null;
        }

        var grammar = OptionGrammars.For(tokens[0], tokens[1]);
        if (grammar is null)
        {
            return null;
        }

        var first = grammar.Subcommand is null ? 1 : 2;
        // A pattern ending in '*' may be followed by anything: after an option ("--force*", "-fd*") or an option's value
        // ("--force-with-lease=*", "of=/dev/*") that means more words; an operand's own wildcard says it already.
        var last = tokens[^1];
        var endsInWildcard = tokens.Count > first && last.EndsWith('*');
        var stripped = endsInWildcard && last.Length > 2 && last[0] == '-' && last.IndexOf('*') == last.Length - 1
            && !last.Contains('=') && grammar.Style != GrammarStyle.Dd;
        if (stripped)
        {
            tokens[^1] = last[..^1];
        }

        var openEnded = false;

        var arena = new TextArena();
        var words = new ShellWord[tokens.Count - first];
        for (var i = first; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (grammar.Style == GrammarStyle.Dd && token.StartsWith('*') && token.IndexOf('=') is var eq && eq > 1 && grammar.Exact(token.AsSpan(1, eq - 1)) is not null)
            {
                token = token[1..]; // "*of=/dev/*": dd's keys come in any order anyway
            }

            if (token.Length > 1 && token[0] == '-' && token.Contains('*') && !IsValueWildcard(grammar, token))
            {
                return null; // "-*f": no option reading of a wildcard option
            }

            var range = arena.Append(token);
            words[i - first] = new ShellWord(range, range, false, false);
        }

        ulong required = 0;
        var values = new List<(int, Wildcard)>();
        var operands = new List<string>();
        var names = new List<string>();
        var reader = new OptionReader(grammar, arena, words);
        while (reader.Next(out var item))
        {
            if (item.IsUnknown)
            {
                return null;
            }

            var isLast = reader.Position == words.Length;
            if (item.IsOperand)
            {
                operands.Add(grammar.Operand(arena[words[item.ValueWord].Text], operands.Count == 0).ToString() + (isLast && stripped ? "*" : ""));
                continue;
            }

            openEnded |= isLast && endsInWildcard;

            var value = item.Valued is null ? null : OptionReader.Value(item, arena, words, new TextArena()).ToString();
            foreach (var def in grammar.Options)
            {
                // The pattern's own options (not what they imply): "--force" requires force; "--mirror" requires mirror.
                if ((item.Own & (1UL << def.Bit)) == 0)
                {
                    continue;
                }

                if (def == item.Valued && value is not null && value != "*")
                {
                    values.Add((def.Bit, new Wildcard(value)));
                    var display = grammar.Display(def);
                    names.Add(display + (grammar.Style == GrammarStyle.Dd ? "" : display.StartsWith("--", StringComparison.Ordinal) ? "=" : " ") + value);
                }
                else if ((required & (1UL << def.Bit)) == 0)
                {
                    required |= 1UL << def.Bit;
                    names.Add(grammar.Display(def));
                }
            }
        }

        if (required == 0 && values.Count == 0)
        {
            return null;
        }

        var operandText = string.Join(' ', operands);
        if (openEnded)
        {
            operandText = operandText.Length == 0 ? "*" : operandText + " *";
        }

        var described = $"{patternText} (read as options: {grammar.Name} with {string.Join(' ', names)}, in any spelling and order"
            + (operandText switch { "*" => ")", "" => ", no operands)", _ => $", operands '{operandText}')" });
        var key = string.Intern($"{grammar.Name}\n{required}\n{string.Join('\n', values.Select(v => $"{v.Item1}={v.Item2.Pattern}"))}\n{operandText}");
        return new OptionPattern(grammar, required, values.ToArray(), BashPattern.Create(operandText), described, key);
    }

    /// <summary>Does the sub-command (its words after wrappers) have the options and operands this pattern requires?</summary>
    /// <param name="subject">Where the command runs: dd's relative <c>of=</c> and <c>/proc/self/cwd</c> resolve against it.</param>
    public bool Matches(ShellScan scan, SubCommandRange command, EventSubject? subject = null)
    {
        var words = scan.WordsOf(command);
        var start = StartOfArguments(scan, words);
        if (start < 0)
        {
            return false;
        }

        words = words[start..];
        var text = scan.Text;
        ulong bits = 0;
        var reader = new OptionReader(_grammar, text, words);
        while (reader.Next(out var item))
        {
            bits |= item.Bits;
        }

        if ((bits & _required) != _required)
        {
            return false;
        }

        var mark = text.Length;
        try
        {
            foreach (var (bit, value) in _values)
            {
                if (!HasValue(scan, words, bit, value, subject))
                {
                    return false;
                }
            }

            return _operands.MatchesEverything || _operands.IsMatch(JoinOperands(text, words));
        }
        finally
        {
            text.Truncate(mark);
        }
    }

    /// <summary>
    /// Whether an <c>unless</c> pattern that matched the sub-command as written excuses it. One that reads as options
    /// excuses only when every option (or operand, like git's <c>+main</c>) that gives the command what this pattern
    /// requires is one it names: <c>unless: Bash(git push --force-with-lease *)</c> does not excuse
    /// <c>git push --force-with-lease -f</c>.
    /// </summary>
    public bool ExcusedBy(OptionPattern? exception, ShellScan scan, SubCommandRange command)
    {
        if (exception is null || exception._grammar != _grammar)
        {
            return true;
        }

        var named = exception._required;
        foreach (var (bit, _) in exception._values)
        {
            named |= 1UL << bit;
        }

        var words = scan.WordsOf(command)[StartOfArguments(scan, scan.WordsOf(command))..];
        var reader = new OptionReader(_grammar, scan.Text, words);
        while (reader.Next(out var item))
        {
            if ((item.Bits & _required) == 0)
            {
                continue;
            }

            if (item.IsOperand || item.Own == 0)
            {
                return false; // "+main", or an ambiguous abbreviation: nothing an unless names
            }

            foreach (var def in _grammar.Options)
            {
                if ((item.Own & (1UL << def.Bit)) != 0 && (def.Sets & _required) != 0 && (named & (1UL << def.Bit)) == 0)
                {
                    return false;
                }
            }
        }

        return true;
    }

    private bool HasValue(ShellScan scan, ReadOnlySpan<ShellWord> words, int bit, Wildcard value, EventSubject? subject)
    {
        var text = scan.Text;
        var reader = new OptionReader(_grammar, text, words);
        while (reader.Next(out var item))
        {
            if (item.Valued is not { } def || def.Bit != bit)
            {
                continue;
            }

            var written = OptionReader.Value(item, text, words, text);
            if (value.IsMatch(written))
            {
                return true;
            }

            // dd's if=/of= name files: of=//dev/sda, of=/dev/../dev/sda, of=~root/../../dev/sda (bash expands ~ after
            // "="), of=sda after "cd /dev" and of=/proc/self/cwd/sda in /dev are /dev/sda.
            if (_grammar.Style == GrammarStyle.Dd && DdPathMatches(scan, written, value, subject))
            {
                return true;
            }
        }

        return false;
    }

    private static bool DdPathMatches(ShellScan scan, ReadOnlySpan<char> written, Wildcard value, EventSubject? subject)
    {
        var text = scan.Text;
        var cwd = subject?.Cwd ?? "/";
        var home = subject?.Home;
        var userHomes = subject?.Input.UserHomes;
        if (value.IsMatch(text[PathNormalizer.NormalizeInto(written, cwd, home, userHomes, text)]))
        {
            return true;
        }

        if (written.StartsWith('/') || written.StartsWith('~'))
        {
            return false;
        }

        // A relative path after the line changed directory: relative to any directory it moved to, each taken from the
        // cwd and from the one before (cd / && cd dev).
        var previousRange = TextRange.None;
        foreach (var directory in scan.ChangedDirectories)
        {
            var fromCwd = PathNormalizer.NormalizeInto(text[directory], cwd, home, userHomes, text);
            var chained = PathNormalizer.NormalizeInto(text[directory], previousRange.HasValue ? new string(text[previousRange]) : cwd, home, userHomes, text);
            if (Under(text, fromCwd, written, value) || Under(text, chained, written, value))
            {
                return true;
            }

            previousRange = chained;
        }

        return false;
    }

    private static bool Under(TextArena text, TextRange directory, ReadOnlySpan<char> written, Wildcard value)
    {
        var start = text.Length;
        text.Append(text[directory]);
        text.Append('/');
        text.Append(written);
        var path = text[text.From(start)];
        return value.IsMatch(text[PathNormalizer.NormalizeInto(path, "/", null, null, text)]);
    }

    private ReadOnlySpan<char> JoinOperands(TextArena text, ReadOnlySpan<ShellWord> words)
    {
        var start = text.Length;
        var first = true;
        var reader = new OptionReader(_grammar, text, words);
        while (reader.Next(out var item))
        {
            if (item.IsOperand)
            {
                if (!first)
                {
                    text.Append(' ');
                }

                text.Append(_grammar.Operand(text[words[item.ValueWord].Text], first));
                first = false;
            }
        }

        return text[text.From(start)];
    }

    /// <summary>Where the arguments start (after the name, and git's global options and subcommand); -1 for another command.</summary>
    private int StartOfArguments(ShellScan scan, ReadOnlySpan<ShellWord> words)
    {
        if (words.Length < 2 || !CommandSimplifier.BaseName(scan[words[0].Text]).SequenceEqual(_grammar.Command))
        {
            return -1;
        }

        if (_grammar.Subcommand is null)
        {
            return 1;
        }

        var start = CommandSimplifier.SkipGitGlobalOptions(scan, words);
        return start < words.Length && scan[words[start].Text].SequenceEqual(_grammar.Subcommand) ? start + 1 : -1;
    }

    private static bool IsValueWildcard(OptionGrammar grammar, string token)
    {
        // "--force-with-lease=main*" or "of=/dev/*": the wildcard is in the value.
        var eq = token.IndexOf('=');
        return eq > 0 && eq < token.IndexOf('*') && grammar.Style != GrammarStyle.Find;
    }
}
