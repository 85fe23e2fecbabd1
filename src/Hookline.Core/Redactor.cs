using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace Hookline.Core;

/// <summary>
/// Removes secrets from what is about to be stored or shown: tokens and keys, PEM private keys, passwords in URLs,
/// <c>Authorization:</c> and other secret headers, <c>--password</c>-style flags, <c>KEY=value</c> and
/// <c>name: value</c> pairs whose name looks secret, and JSON fields (also JSON inside JSON strings).
/// Each secret becomes a marker such as <c>[REDACTED:github-token]</c>. Pure, thread-safe and idempotent
/// (redacting redacted text changes nothing); text without any hint of a secret is returned as it is (the same
/// instance), so ordinary commands are stored unchanged. It runs on untrusted input: every pattern has bounded
/// repetition, and lone surrogates or invalid UTF-8 never make it throw.
/// </summary>
public static partial class Redactor
{
    private const string MarkerPrefix = "[REDACTED:";

    /// <summary>The marker that replaces a secret of the given kind.</summary>
    public static string Marker(string kind) => MarkerPrefix + kind + "]";

    // Every pattern below starts at one of these (case-insensitive): text with none of them is left alone cheaply.
    private static readonly SearchValues<string> Hints = SearchValues.Create(
        ["-----begin", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "akia", "asia", "sk-", "sk_", "rk_", "hf_", "glpat-", "gldt-", "glrt-", "glptt-", "glcbt-", "xox",
         "npm_", "aiza", "eyj", "://", "authorization", "api-key", "api_key", "apikey", "auth", "pass", "pwd", "token", "secret", "key",
         "credential", "-u", "--user", "mysql", "login"],
        StringComparison.OrdinalIgnoreCase);

    private static readonly (Regex Pattern, string Kind)[] Tokens =
    [
        (GitHubToken(), "github-token"),
        (GitLabToken(), "gitlab-token"),
        (AwsAccessKey(), "aws-access-key"),
        (AnthropicKey(), "anthropic-key"),
        (OpenAiKey(), "openai-key"),
        (StripeKey(), "stripe-key"),
        (HuggingFaceToken(), "huggingface-token"),
        (SlackToken(), "slack-token"),
        (NpmToken(), "npm-token"),
        (GcpApiKey(), "gcp-api-key"),
        (Jwt(), "jwt"),
    ];

    // Patterns whose "value" group is the secret, in order; a value that is already a marker is kept as it is.
    private static readonly (Regex Pattern, string Kind)[] Values =
    [
        (AuthorizationHeader(), "authorization"),
        (SecretFlag(), "flag"),
        (ToolPasswordFlag(), "password"),
        (OpenSslPass(), "password"),
        (AwsConfigureSet(), "secret"),
        (SecretAssignment(), "secret"),
        (SecretField(), "secret"),
    ];

    /// <summary>Redacts secrets in free text (a command, a prompt, a reason, a stored payload shown as text).</summary>
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().IndexOfAny(Hints) < 0)
        {
            return text;
        }

        var result = RedactPemBlocks(text);
        foreach (var (pattern, kind) in Tokens)
        {
            result = pattern.Replace(result, Marker(kind));
        }

        result = UrlPassword().Replace(result, "${head}" + Marker("url-password") + "@");
        foreach (var (pattern, kind) in Values)
        {
            result = pattern.Replace(result, m => KeepAround(m, kind));
        }

        result = UserPasswordFlag().Replace(result, m => m.Groups["head"].Value + Marker("password"));
        result = MysqlPassword().Replace(result, "${head}-p" + Marker("password"));
        return result;
    }

    /// <summary>Whether a JSON field of this name holds a secret as a whole (password, token, api_key, private_key, ...).</summary>
    public static bool IsSecretName(string name) => SecretName().IsMatch(name);

    /// <summary>Whether the text is exactly one marker (optionally quoted): what redaction left there before.</summary>
    private static bool IsMarker(ReadOnlySpan<char> value)
    {
        value = value.Trim("\"'\\");
        return value.StartsWith(MarkerPrefix, StringComparison.Ordinal) && value.EndsWith(']') && value.IndexOf(']') == value.Length - 1;
    }

    private static string KeepMarker(string value, string kind) => IsMarker(value) ? value : Marker(kind);

    /// <summary>The match with its "value" group replaced by a marker: what comes before and after it (a name, quotes) stays.</summary>
    private static string KeepAround(Match match, string kind)
    {
        var value = match.Groups["value"];
        return string.Concat(
            match.ValueSpan[..(value.Index - match.Index)], KeepMarker(value.Value, kind), match.ValueSpan[(value.Index + value.Length - match.Index)..]);
    }

    /// <summary>A PEM private key, from its BEGIN line to its END line (or to the end of the text when cut).</summary>
    private static string RedactPemBlocks(string text)
    {
        var begin = PemBegin().Match(text);
        if (!begin.Success)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        var from = 0;
        while (begin.Success)
        {
            sb.Append(text, from, begin.Index - from).Append(Marker("private-key"));
            var end = text.IndexOf("-----END", begin.Index + begin.Length, StringComparison.Ordinal);
            var close = end < 0 ? -1 : text.IndexOf("-----", end + 8, StringComparison.Ordinal);
            from = close < 0 ? text.Length : close + 5;
            begin = from < text.Length ? PemBegin().Match(text, from) : Match.Empty;
        }

        return sb.Append(text, from, text.Length - from).ToString();
    }
}
