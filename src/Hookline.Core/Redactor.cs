using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Hookline.Core;

/// <summary>
/// Removes secrets from what is about to be stored: tokens and keys, PEM private keys, passwords in URLs,
/// <c>Authorization:</c> headers, <c>--password</c>-style flags and <c>KEY=value</c> assignments whose name looks secret.
/// Each secret becomes a marker such as <c>[REDACTED:github-token]</c>. Pure and thread-safe; text without any hint of
/// a secret is returned as it is (the same instance), so ordinary commands are stored unchanged.
/// </summary>
public static partial class Redactor
{
    /// <summary>The marker that replaces a secret of the given kind.</summary>
    public static string Marker(string kind) => "[REDACTED:" + kind + "]";

    // Every pattern below starts at one of these (case-insensitive): text with none of them is left alone cheaply.
    private static readonly SearchValues<string> Hints = SearchValues.Create(
        ["-----begin", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "akia", "asia", "sk-", "xox", "npm_", "aiza", "eyj",
         "://", "authorization", "api-key", "api_key", "apikey", "auth-token", "pass", "pwd", "token", "secret", "key", "credential",
         "-u", "--user", "mysql"],
        StringComparison.OrdinalIgnoreCase);

    private static readonly (Regex Pattern, string Kind)[] Tokens =
    [
        (GitHubToken(), "github-token"),
        (AwsAccessKey(), "aws-access-key"),
        (AnthropicKey(), "anthropic-key"),
        (OpenAiKey(), "openai-key"),
        (SlackToken(), "slack-token"),
        (NpmToken(), "npm-token"),
        (GcpApiKey(), "gcp-api-key"),
        (Jwt(), "jwt"),
    ];

    /// <summary>Redacts secrets in free text (a command, a prompt, a reason).</summary>
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
        result = AuthorizationHeader().Replace(result, m => m.Groups["head"].Value + KeepMarker(m.Groups["value"].Value, "authorization"));
        result = SecretFlag().Replace(result, m => m.Groups["head"].Value + KeepMarker(m.Groups["value"].Value, "flag"));
        result = UserPasswordFlag().Replace(result, m => m.Groups["head"].Value + Marker("password"));
        result = MysqlPassword().Replace(result, "${head}-p" + Marker("password"));
        result = SecretAssignment().Replace(result, m => m.Groups["head"].Value + KeepMarker(m.Groups["value"].Value, "secret"));
        return result;
    }

    /// <summary>
    /// Redacts a JSON document (UTF-8): secrets inside string values and names are replaced, and the value of a field
    /// whose name looks secret (<c>"password"</c>, <c>"api_key"</c>, ...) is replaced whole. The result is valid JSON.
    /// Bytes that are not valid JSON are redacted as text. Input without any hint of a secret is returned unchanged.
    /// </summary>
    public static byte[] RedactJson(ReadOnlySpan<byte> utf8)
    {
        if (!MayHoldSecret(utf8))
        {
            return utf8.ToArray();
        }

        try
        {
            return RewriteJson(utf8, out var changed) is { } rewritten && changed ? rewritten : utf8.ToArray();
        }
        catch (JsonException)
        {
            return Encoding.UTF8.GetBytes(Redact(Encoding.UTF8.GetString(utf8)));
        }
    }

    /// <summary>Whether a JSON field of this name holds a secret as a whole (password, token, api_key, private_key, ...).</summary>
    public static bool IsSecretName(string name) => SecretName().IsMatch(name);

    private static bool MayHoldSecret(ReadOnlySpan<byte> utf8)
    {
        // JSON escapes (\u0067hp_...) could hide a hint from the byte scan: those always take the full path.
        if (utf8.IndexOf("\\u"u8) >= 0)
        {
            return true;
        }

        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(utf8.Length));
        try
        {
            var count = Encoding.UTF8.GetChars(utf8, chars);
            return chars.AsSpan(0, count).IndexOfAny(Hints) >= 0;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static byte[]? RewriteJson(ReadOnlySpan<byte> utf8, out bool changed)
    {
        changed = false;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var buffer = new ArrayBufferWriter<byte>(utf8.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false }))
        {
            var secretField = false;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var name = reader.GetString()!;
                        var redactedName = Redact(name);
                        changed |= !ReferenceEquals(name, redactedName);
                        writer.WritePropertyName(redactedName);
                        secretField = IsSecretName(name);
                        continue;
                    case JsonTokenType.String:
                        var value = reader.GetString()!;
                        var redacted = secretField && value.Length > 0 && !value.StartsWith("[REDACTED:", StringComparison.Ordinal) ? Marker("secret-field") : Redact(value);
                        changed |= !ReferenceEquals(value, redacted);
                        writer.WriteStringValue(redacted);
                        break;
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.Number when secretField:
                        writer.WriteStringValue(Marker("secret-field"));
                        changed = true;
                        break;
                    case JsonTokenType.Number:
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                    case JsonTokenType.True or JsonTokenType.False:
                        writer.WriteBooleanValue(reader.TokenType == JsonTokenType.True);
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                }

                // A secret field's value is the next token; an object or array under it is walked like any other.
                secretField = false;
            }
        }

        if (reader.BytesConsumed != utf8.Length && !utf8[(int)reader.BytesConsumed..].Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new JsonException("trailing data");
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static string KeepMarker(string value, string kind) =>
        value.Contains("[REDACTED:", StringComparison.Ordinal) ? value : Marker(kind);

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

    [GeneratedRegex(@"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----", RegexOptions.CultureInvariant)]
    private static partial Regex PemBegin();

    [GeneratedRegex(@"\b(?:gh[pousr]_[A-Za-z0-9]{30,255}|github_pat_[A-Za-z0-9_]{20,255})", RegexOptions.CultureInvariant)]
    private static partial Regex GitHubToken();

    [GeneratedRegex(@"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b", RegexOptions.CultureInvariant)]
    private static partial Regex AwsAccessKey();

    [GeneratedRegex(@"\bsk-ant-[A-Za-z0-9_\-]{20,}", RegexOptions.CultureInvariant)]
    private static partial Regex AnthropicKey();

    [GeneratedRegex(@"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}", RegexOptions.CultureInvariant)]
    private static partial Regex OpenAiKey();

    [GeneratedRegex(@"\bxox[abposre]-[A-Za-z0-9\-]{10,}", RegexOptions.CultureInvariant)]
    private static partial Regex SlackToken();

    [GeneratedRegex(@"\bnpm_[A-Za-z0-9]{36}\b", RegexOptions.CultureInvariant)]
    private static partial Regex NpmToken();

    [GeneratedRegex(@"\bAIza[0-9A-Za-z_\-]{35}", RegexOptions.CultureInvariant)]
    private static partial Regex GcpApiKey();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*", RegexOptions.CultureInvariant)]
    private static partial Regex Jwt();

    // scheme://user:password@host: the password goes, the user and host stay.
    [GeneratedRegex(@"(?<head>\b[A-Za-z][A-Za-z0-9+.\-]{0,30}://[^\s/:@'""]{0,256}:)[^\s/@'""]{1,512}@", RegexOptions.CultureInvariant)]
    private static partial Regex UrlPassword();

    [GeneratedRegex(@"(?<head>\b(?:proxy-)?authorization[""']?\s{0,8}[:=]\s{0,8}[""']?(?:(?:bearer|basic|token|digest|negotiate|apikey)\s{1,8})?)(?<value>[^\s'"",;]{1,4096})", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex AuthorizationHeader();

    // --password=x, --token x, --api-key "x y", --client-secret 'x' ...
    [GeneratedRegex(@"(?<head>(?<![\w-])--?(?:[a-z0-9]{1,20}-)?(?:password|passwd|pass|token|secret|api-key|apikey|api_key|access-key|secret-key|private-key|auth-token|access-token|client-secret)(?:=|\s{1,8}))(?<value>""[^""]{0,4096}""|'[^']{0,4096}'|[^\s'""]{1,4096})", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SecretFlag();

    // curl -u user:password, --user user:password
    [GeneratedRegex(@"(?<head>(?<![\w-])(?:-u\s{0,8}|--user(?:=|\s{1,8}))[""']?[^\s:'""]{1,256}:)[^\s'""]{1,4096}", RegexOptions.CultureInvariant)]
    private static partial Regex UserPasswordFlag();

    // mysql -pSECRET (the password glued to -p; "-p" alone prompts).
    [GeneratedRegex(@"(?<head>\bmysql(?:dump|admin|import|show|check)?\s(?:[^\n|;&]{0,200}?\s)?)-p[^\s'""]{1,4096}", RegexOptions.CultureInvariant)]
    private static partial Regex MysqlPassword();

    // NAME=value where NAME ends like a secret: DB_PASSWORD, GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, OPENAI_API_KEY, PGPASSWORD...
    [GeneratedRegex(@"(?<head>(?<![\w-])[A-Za-z0-9_.\-]{0,64}(?:password|passwd|secret|token|api_?key|apikey|private_?key|secret_?key|access_?key|credentials?|auth)[""']?\s{0,4}=\s{0,4})(?<value>""[^""]{1,4096}""|'[^']{1,4096}'|[^\s'"";&|]{1,4096})", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SecretAssignment();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{0,64}(?:password|passwd|secret|token|api_?key|apikey|private_?key|secret_?key|access_?key|credentials?|client_?secret|authorization)$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
