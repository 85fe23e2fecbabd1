using Hookline.Policy.Internal.Runners;
using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Matching;

/// <summary>
/// Bash rules bucketed by the literal command name their patterns start with, so an event is only checked against
/// rules that can possibly match one of its sub-commands (plus the rules with a wildcard command name).
/// </summary>
internal sealed class BashRuleIndex
{
    private readonly Dictionary<string, CompiledRule[]> _byFirstWord;
    private readonly Dictionary<string, CompiledRule[]>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly CompiledRule[] _generic;
    private readonly CompiledRule[] _fileAccess;

    // Deny and ask rules by first word, for the later-word backstop (a word inside a command may be a command it runs).
    private readonly Dictionary<string, CompiledRule[]>.AlternateLookup<ReadOnlySpan<char>> _laterLookup;
    private readonly NameFilter _laterFilter;

    public BashRuleIndex(CompiledRule[] bashCandidates)
    {
        var byFirstWord = new Dictionary<string, List<CompiledRule>>(StringComparer.Ordinal);
        var generic = new List<CompiledRule>();
        var fileAccess = new List<CompiledRule>();
        foreach (var rule in bashCandidates)
        {
            var isGeneric = false;
            foreach (var pattern in rule.Match)
            {
                if (!pattern.AppliesTo(ToolNames.Bash))
                {
                    continue;
                }

                if (pattern.Kind == PatternKind.Command && pattern.Command!.FirstWord is { } word)
                {
                    if (!byFirstWord.TryGetValue(word, out var list))
                    {
                        byFirstWord[word] = list = [];
                    }

                    if (list.Count == 0 || list[^1] != rule)
                    {
                        list.Add(rule);
                    }
                }
                else
                {
                    isGeneric = true;
                }
            }

            if (isGeneric)
            {
                generic.Add(rule);
            }

            if (rule.HasFileAccessPatterns)
            {
                fileAccess.Add(rule);
            }
        }

        _byFirstWord = byFirstWord.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);
        _laterLookup = byFirstWord.Select(kv => (kv.Key, Rules: kv.Value.Where(r => r.Effect != Effect.Allow).ToArray())).Where(e => e.Rules.Length > 0)
            .ToDictionary(e => e.Key, e => e.Rules, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        _laterFilter = new NameFilter(_laterLookup.Dictionary.Keys);
        _lookup = _byFirstWord.GetAlternateLookup<ReadOnlySpan<char>>();
        _generic = generic.ToArray();
        _fileAccess = fileAccess.ToArray();
    }

    /// <summary>The rules that can match this parsed command, in document order.</summary>
    public ReadOnlySpan<CompiledRule> Candidates(ShellScan shell)
    {
        var buckets = new RuleBuckets();
        buckets.Add(_generic);
        if (shell.WriteTargets.Count > 0 || shell.ReadTargets.Count > 0 || HasArguments(shell))
        {
            buckets.Add(_fileAccess);
        }

        foreach (var command in shell.Commands)
        {
            AddWord(ref buckets, shell[command.Text]);
            if (command.BaseNameText.HasValue)
            {
                AddWord(ref buckets, shell[command.BaseNameText]);
            }

            if (command.PrivilegedText.HasValue)
            {
                AddWord(ref buckets, "sudo");
            }

            AddLaterWords(ref buckets, shell, command);
        }

        return buckets.Merge();
    }

    private void AddLaterWords(ref RuleBuckets buckets, ShellScan shell, SubCommandRange command)
    {
        var words = shell.WordsOf(command);
        if (_laterLookup.Dictionary.Count == 0 || !RunnerBackstop.MayRun(shell, words))
        {
            return;
        }

        for (var j = 1; j < words.Length; j++)
        {
            var name = CommandSimplifier.BaseName(shell[words[j].Text]);
            if (_laterFilter.MayContain(name) && RunnerBackstop.CanStartCommand(shell, words[j]) && _laterLookup.TryGetValue(name, out var bucket))
            {
                buckets.Add(bucket);
            }
        }
    }

    /// <summary>The command names files in its arguments (see <see cref="FileArguments.FileArgumentScanner"/>), so file rules apply.</summary>
    private static bool HasArguments(ShellScan shell) => shell.Commands.Count > 0 && EvaluationScratch.Current.FileArguments.Items.Count > 0;

    private void AddWord(ref RuleBuckets buckets, ReadOnlySpan<char> text)
    {
        var space = text.IndexOf(' ');
        if (_lookup.TryGetValue(space < 0 ? text : text[..space], out var bucket))
        {
            buckets.Add(bucket);
        }
    }
}
