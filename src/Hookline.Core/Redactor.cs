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

    // Every match of a pattern holds one of its gate's strings (see HintGate), so a pattern is skipped, with the same
    // result, on text that holds none of them; text with none of any gate is left alone at the cost of a few vectorised
    // scans. Case-insensitive patterns also match U+212A (the Kelvin sign) as 'k', which an ordinal comparison does not:
    // it opens the gates of those that can match a 'k'. A test holds the gated path to the full one.
    private const string Kelvin = "\u212A";
    private static readonly string[] PemHints = ["-----BEGIN"];
    private static readonly string[] SecretWordHints = ["pass", "secret", "token", "key", "credential", "auth", Kelvin];
    private static readonly string[] SecretNameHints = ["pass", "secret", "token", "key", "credential", "authorization", Kelvin];

    private static readonly (Regex Pattern, string Marker, HintGate Gate)[] Tokens =
    [
        (GitHubToken(), Marker("github-token"), Gate("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")),
        (GitLabToken(), Marker("gitlab-token"), Gate("glpat-", "gldt-", "glrt-", "glptt-", "glcbt-")),
        (AwsAccessKey(), Marker("aws-access-key"), Gate("akia", "asia", "abia", "acca")),
        (AnthropicKey(), Marker("anthropic-key"), Gate("sk-ant-")),
        (OpenAiKey(), Marker("openai-key"), Gate("sk-")),
        (StripeKey(), Marker("stripe-key"), Gate("sk_", "rk_")),
        (HuggingFaceToken(), Marker("huggingface-token"), Gate("hf_")),
        (SlackToken(), Marker("slack-token"), Gate("xox")),
        (NpmToken(), Marker("npm-token"), Gate("npm_")),
        (GcpApiKey(), Marker("gcp-api-key"), Gate("aiza")),
        (Jwt(), Marker("jwt"), Gate("eyj")),
    ];

    private static readonly HintGate UrlGate = Gate("://");

    // Patterns whose "value" group is the secret, in order; a value that is already a marker is kept as it is.
    private static readonly (Regex Pattern, string Kind, HintGate Gate)[] Values =
    [
        (AuthorizationHeader(), "authorization", Gate("authorization")),
        (SecretFlag(), "flag", Gate("pass", "token", "secret", "key", Kelvin)),
        (ToolPasswordFlag(), "password", Gate("sshpass", "login")),
        (OpenSslPass(), "password", Gate("-pass")),
        (AwsConfigureSet(), "secret", Gate("configure")),
        (SecretAssignment(), "secret", Gate(SecretWordHints)),
        (SecretField(), "secret", Gate(SecretWordHints)),
    ];

    private static readonly HintGate UserPasswordGate = Gate("-u");
    private static readonly HintGate MysqlGate = Gate("mysql");
    private static readonly HintGate PemGate = Gate(PemHints);
    private static readonly HintGate SecretNameGate = Gate(SecretNameHints);

    // Every gate's strings at once: text with none of them holds no secret any pattern finds.
    private static readonly HintGate Hints = Gate(
    [
        .. PemHints, .. SecretWordHints, .. SecretNameHints, "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "gldt-", "glrt-",
        "glptt-", "glcbt-", "akia", "asia", "abia", "acca", "sk-ant-", "sk-", "sk_", "rk_", "hf_", "xox", "npm_", "aiza", "eyj", "://", "authorization",
        "sshpass", "login", "-pass", "configure", "-u", "mysql",
    ]);

    private static HintGate Gate(params string[] hints) => new(hints);

    /// <summary>Redacts secrets in free text (a command, a prompt, a reason, a stored payload shown as text).</summary>
    public static string Redact(string text) => Redact(text, gated: true);

    /// <summary>
    /// <see cref="Redact(string)"/>; <paramref name="gated"/> false runs every pattern whatever the text holds: the
    /// reference the gated path must equal (tests).
    /// </summary>
    internal static string Redact(string text, bool gated)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (gated && !Hints.In(text))
        {
            return text;
        }

        // Each gate is asked of the text its pattern runs on: a marker written by an earlier pattern can open it.
        var result = !gated || Opens(text, PemGate) ? RedactPemBlocks(text) : text;
        foreach (var (pattern, marker, gate) in Tokens)
        {
            if (!gated || Opens(result, gate))
            {
                result = pattern.Replace(result, marker);
            }
        }

        if (!gated || Opens(result, UrlGate))
        {
            result = UrlPassword().Replace(result, "${head}" + Marker("url-password") + "@");
        }

        foreach (var (pattern, kind, gate) in Values)
        {
            if (!gated || Opens(result, gate))
            {
                result = pattern.Replace(result, m => KeepAround(m, kind));
            }
        }

        if (!gated || Opens(result, UserPasswordGate))
        {
            result = UserPasswordFlag().Replace(result, m => m.Groups["head"].Value + Marker("password"));
        }

        if (!gated || Opens(result, MysqlGate))
        {
            result = MysqlPassword().Replace(result, "${head}-p" + Marker("password"));
        }

        return result;
    }

    private static bool Opens(string text, HintGate gate) => gate.In(text);

    /// <summary>Whether a JSON field of this name holds a secret as a whole (password, token, api_key, private_key, ...).</summary>
    public static bool IsSecretName(string name) => IsSecretName(name, gated: true);

    private static bool IsSecretName(string name, bool gated) => (!gated || SecretNameGate.In(name)) && SecretName().IsMatch(name);

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
