using Hookline.Policy.Internal.Matching;
using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.OpaqueCode;

/// <summary>How rules and the document's <c>opaque_code</c> effect decide sub-commands that run inline code.</summary>
internal static class OpaqueCodeRules
{
    /// <summary>
    /// An allow rule covers inline code only with a pattern that names it literally, up to the end of the code
    /// (<c>Bash(python3 -c "print(1)")</c>); <c>Bash(python3 *)</c> or <c>Bash(python3 -c *)</c> never do.
    /// </summary>
    public static string? MatchExactly(CompiledRule rule, ReadOnlySpan<char> allowText, SubCommandRange command) // allowText in word form
    {
        if (command.OpaqueCodeEnd == int.MaxValue)
        {
            return null;
        }

        var needed = command.OpaqueCodeEnd + (command.PrivilegedText.HasValue ? "sudo ".Length : 0);
        foreach (var pattern in rule.Match)
        {
            if (pattern.Kind != PatternKind.Command || pattern.Command!.RawHead.Length < Math.Min(needed, allowText.Length) || !pattern.Command.MatchesWords(allowText, denyOrAsk: false))
            {
                continue;
            }

            foreach (var exception in rule.Unless)
            {
                if (exception.Kind == PatternKind.Command && exception.Command!.MatchesWords(allowText, denyOrAsk: false))
                {
                    return null;
                }
            }

            return pattern.Text;
        }

        return null;
    }

    /// <summary>Probe sub-commands (shell text found inside code) are for deny and ask rules only: allow need not cover them.</summary>
    public static int ProbeCount(List<SubCommandRange> commands)
    {
        var count = 0;
        foreach (var command in commands)
        {
            count += command.IsProbe ? 1 : 0;
        }

        return count;
    }

    /// <summary>
    /// The answer for inline code no allow rule names exactly: the document's <c>opaque_code</c> effect (ask unless it
    /// says deny; deny when the default is deny). Null when there is none, or when an ask rule already answers ask.
    /// </summary>
    public static PolicyDecision? Verdict(CompiledPolicy policy, ShellScan shell, ulong coveredMask, bool[]? coveredMany, bool askRuleMatched)
    {
        var commands = shell.Commands;
        for (var i = 0; i < commands.Count; i++)
        {
            var command = commands[i];
            if (command.OpaqueCodeEnd == 0 || command.IsProbe || (coveredMany is not null ? coveredMany[i] : (coveredMask & (1UL << i)) != 0))
            {
                continue;
            }

            var document = policy.Document;
            var effect = document.OpaqueCode == Effect.Deny || document.Default == Effect.Deny ? Effect.Deny : Effect.Ask;
            if (effect == Effect.Ask && askRuleMatched)
            {
                return null;
            }

            var text = shell.Text.ToStringOrNull(command.Text)!;
            return new PolicyDecision(effect, false, $"runs code the engine cannot read ({FirstWord(text)} with inline or stdin code); opaque_code: {(effect == Effect.Deny ? "deny" : "ask")}",
                ReasonCodes.OpaqueCode, [], text);
        }

        return null;
    }

    /// <summary>A sub-command as explanations list it, with what it is when it runs or was found in inline code.</summary>
    public static string Describe(ShellScan shell, SubCommandRange command)
    {
        var text = shell.Text.ToStringOrNull(command.Text)!;
        return command.IsProbe ? text + "   [a command line in inline code: deny and ask rules only]"
            : command.OpaqueCodeEnd > 0 ? text + "   [inline code: opaque_code applies unless an allow rule names it exactly]"
            : text;
    }

    private static string FirstWord(string text)
    {
        var space = text.IndexOf(' ');
        return space < 0 ? text : text[..space];
    }
}
