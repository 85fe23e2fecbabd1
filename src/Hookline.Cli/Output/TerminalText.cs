using System.Globalization;
using System.Text;

namespace Hookline.Cli.Output;

/// <summary>
/// Text from elsewhere (an agent's command, an approver's reason) made safe to print on a terminal: control characters
/// (escape sequences, carriage returns) and the bidirectional overrides are shown as <c>\uXXXX</c>, so what a person
/// reads before approving is what the agent would run, not what the text makes the terminal draw.
/// </summary>
internal static class TerminalText
{
    public static string Safe(string? text)
    {
        if (string.IsNullOrEmpty(text) || !text.Any(Unsafe))
        {
            return text ?? "";
        }
        var safe = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (Unsafe(c))
            {
                safe.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                safe.Append(c);
            }
        }
        return safe.ToString();
    }

    private static bool Unsafe(char c) => char.IsControl(c) || c is >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069';
}
