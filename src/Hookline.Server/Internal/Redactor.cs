using System.Text.RegularExpressions;

namespace Hookline.Server.Internal;

/// <summary>
/// Masks secrets in stored payloads before the read API shows them: values of secret-looking JSON keys and
/// environment assignments, bearer tokens, and well-known key formats. Best effort; the stored text is unchanged.
/// </summary>
internal static partial class Redactor
{
    public const string Mask = "[REDACTED]";

    public static string? Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }
        text = SecretJsonValue().Replace(text, m => m.Groups["key"].Value + "\"" + Mask + "\"");
        text = SecretAssignment().Replace(text, m => m.Groups["key"].Value + Mask);
        text = Bearer().Replace(text, "${scheme}" + Mask);
        return KnownKey().Replace(text, Mask);
    }

    [GeneratedRegex(@"(?<key>""[^""]*(?:password|passwd|secret|token|api[_-]?key|authorization|credential|private[_-]?key)[^""]*""\s*:\s*)""(?:[^""\\]|\\.)*""",
        RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex SecretJsonValue();

    [GeneratedRegex("""(?<key>\b[A-Za-z0-9_]*(?:PASSWORD|SECRET|TOKEN|API_KEY|APIKEY|ACCESS_KEY)[A-Za-z0-9_]*=)[^\s"'\\]+""",
        RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex SecretAssignment();

    [GeneratedRegex("""(?<scheme>\b(?:Bearer|Basic|token)\s+)[A-Za-z0-9._~+/=-]{8,}""", RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex Bearer();

    [GeneratedRegex("""\b(?:AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9_-]{20,}|xox[abpr]-[A-Za-z0-9-]{10,})\b""",
        RegexOptions.NonBacktracking)]
    private static partial Regex KnownKey();
}
