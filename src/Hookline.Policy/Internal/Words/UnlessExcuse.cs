using Hookline.Policy.Internal.Matching;

namespace Hookline.Policy.Internal.Words;

/// <summary>
/// An <c>unless</c> pattern of a deny or ask rule excuses only the arguments it matched: <c>cat .env .env.example</c>
/// is still denied by <c>Bash(cat *.env*)</c> unless <c>Bash(cat *.env.example)</c>, since <c>.env</c> is not
/// excused. An argument is excused when the exception matches its literal head words followed by that argument
/// alone; the rule still applies when its pattern matches the command without the excused arguments.
/// </summary>
internal static class UnlessExcuse
{
    private const int MaxWords = 64;

    public static bool Excuses(CompiledRule rule, RulePattern pattern, ReadOnlySpan<char> words)
    {
        ulong excused = 0;
        var head = 0;
        foreach (var exception in rule.Unless)
        {
            if (exception.Kind == PatternKind.AnyUse && exception.AppliesTo(ToolNames.Bash))
            {
                return true;
            }

            if (exception.Kind != PatternKind.Command)
            {
                continue;
            }

            var unless = exception.Command!;
            if (unless.IsExact && unless.MatchesWords(words, denyOrAsk: false))
            {
                return true; // names this one command, nothing else in it
            }

            var excusedHere = ExcusedArguments(unless, words);
            if (excusedHere != 0)
            {
                excused |= excusedHere;
                head = Math.Max(head, Math.Max(unless.LiteralHeadWords, 1));
            }
        }

        if (excused == 0)
        {
            return false;
        }

        // Excused when nothing but the exception's head words is left, or the rule no longer matches what is.
        var rest = Without(words, excused);
        return rest.Split(WordText.Separator).Length <= head || !pattern.Command!.MatchesWords(rest, denyOrAsk: true);
    }

    /// <summary>Bit k set: the exception matches its head words followed by word k alone.</summary>
    private static ulong ExcusedArguments(BashPattern unless, ReadOnlySpan<char> words)
    {
        var head = unless.LiteralHead;
        if (!words.StartsWith(head) || (words.Length > head.Length && head.Length > 0 && words[head.Length] != WordText.Separator))
        {
            return 0;
        }

        ulong excused = 0;
        Span<char> candidate = stackalloc char[256];
        var index = 0;
        var from = 0;
        while (from <= words.Length && index < MaxWords)
        {
            var gap = words[from..].IndexOf(WordText.Separator);
            var word = gap < 0 ? words[from..] : words.Slice(from, gap);
            if (index >= Math.Max(unless.LiteralHeadWords, 1))
            {
                var length = head.Length + (head.Length > 0 ? 1 : 0) + word.Length;
                var buffer = length <= candidate.Length ? candidate[..length] : new char[length];
                head.AsSpan().CopyTo(buffer);
                if (head.Length > 0)
                {
                    buffer[head.Length] = WordText.Separator;
                }

                word.CopyTo(buffer[(length - word.Length)..]);
                if (unless.MatchesWords(buffer, denyOrAsk: false))
                {
                    excused |= 1UL << index;
                }
            }

            if (gap < 0)
            {
                break;
            }

            from += gap + 1;
            index++;
        }

        return excused;
    }

    private static string Without(ReadOnlySpan<char> words, ulong excused)
    {
        var sb = new System.Text.StringBuilder(words.Length);
        var index = 0;
        foreach (var range in words.Split(WordText.Separator))
        {
            if ((excused & (1UL << Math.Min(index, 63))) == 0 || index >= MaxWords)
            {
                if (sb.Length > 0)
                {
                    sb.Append(WordText.Separator);
                }

                sb.Append(words[range]);
            }

            index++;
        }

        return sb.ToString();
    }
}
