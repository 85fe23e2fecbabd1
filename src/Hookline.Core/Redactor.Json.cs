using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Hookline.Core;

// JSON payloads: secrets inside string values and names, whole values of secret-named fields, and JSON that an agent
// put inside a JSON string (a tool input quoting a config file), walked the same way to a bounded depth.
public static partial class Redactor
{
    /// <summary>How deep JSON inside JSON strings is followed; deeper strings are redacted as text.</summary>
    private const int MaxNestedJson = 4;

    /// <summary>
    /// Redacts a JSON document (UTF-8): secrets inside string values and names are replaced, and the value of a field
    /// whose name looks secret (<c>"password"</c>, <c>"api_key"</c>, ...) is replaced whole; a string value that is
    /// itself a JSON object or array is redacted the same way and re-encoded. The result is valid JSON. Bytes that are
    /// not valid JSON (invalid UTF-8 or UTF-16 included) are redacted as text. Input without any hint of a secret is
    /// returned unchanged.
    /// </summary>
    public static byte[] RedactJson(ReadOnlySpan<byte> utf8) => RedactJsonIfChanged(utf8, gated: true) ?? utf8.ToArray();

    /// <summary>
    /// <see cref="RedactJson(ReadOnlySpan{byte})"/>, or null when nothing was redacted; <paramref name="gated"/> false
    /// walks every document and runs every pattern (the reference the gated path must equal, for tests).
    /// </summary>
    internal static byte[]? RedactJsonIfChanged(ReadOnlySpan<byte> utf8, bool gated)
    {
        if (gated && !MayHoldSecret(utf8))
        {
            return null;
        }

        return TryRewriteJson(utf8, 0, gated, out var rewritten) ? rewritten : RedactUtf8Text(utf8, gated);
    }

    /// <summary>Redacts stored text for a view: as JSON when it is JSON, else as text. Null stays null.</summary>
    public static string? RedactStored(string? text) => RedactStored(text, gated: true);

    internal static string? RedactStored(string? text, bool gated)
    {
        if (string.IsNullOrEmpty(text) || gated && !MayHoldSecret(text.AsSpan()))
        {
            return text;
        }

        var first = text.AsSpan().TrimStart();
        if (first.Length > 0 && first[0] is '{' or '[' && TryRewriteJson(Encoding.UTF8.GetBytes(text), 0, gated, out var json))
        {
            return json is null ? text : Encoding.UTF8.GetString(json);
        }

        return RedactSpeltOut(text, gated);
    }

    // JSON escapes can hide a hint from a scan of the raw text (\u0067hp_..., https:\/\/user:password@...): text that
    // holds one is walked whatever the scan says. Other escapes decode to characters that no hint holds.
    private static bool MayHoldSecret(ReadOnlySpan<char> text)
        => Hints.In(text) || text.IndexOf(@"\u".AsSpan()) >= 0 || text.IndexOf(@"\/".AsSpan()) >= 0;

    private static bool MayHoldSecret(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IndexOf("\\u"u8) >= 0 || utf8.IndexOf("\\/"u8) >= 0)
        {
            return true;
        }

        var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(utf8.Length));
        try
        {
            var count = Encoding.UTF8.GetChars(utf8, chars);
            return Hints.In(chars.AsSpan(0, count));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    /// <summary>The redacted text of UTF-8 bytes, or null when nothing was redacted (invalid sequences never throw).</summary>
    private static byte[]? RedactUtf8Text(ReadOnlySpan<byte> utf8, bool gated)
    {
        // Not JSON (or not whole): escapes that hide a secret are spelt out, and kept as sent when nothing is redacted.
        var text = Encoding.UTF8.GetString(utf8);
        var redacted = RedactSpeltOut(text, gated);
        return ReferenceEquals(text, redacted) ? null : Encoding.UTF8.GetBytes(redacted);
    }

    /// <summary>
    /// False when the input is not valid JSON; else <paramref name="rewritten"/> is the redacted document, or null when
    /// nothing changed.
    /// </summary>
    private static bool TryRewriteJson(ReadOnlySpan<byte> utf8, int depth, bool gated, out byte[]? rewritten)
    {
        rewritten = null;
        try
        {
            // Most documents with a hint hold no secret (a URL, a field named "key"): they are read once and kept as
            // they came, never written again.
            if (gated && !Rewrites(utf8, depth))
            {
                return true;
            }

            var written = RewriteJson(utf8, depth, gated, out var changed);
            rewritten = changed ? written : null;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            // Not JSON, or JSON that .NET cannot transcode (a lone surrogate escape, invalid UTF-8): the caller redacts it as text.
            return false;
        }
    }

    // Comments are refused, not skipped: a skipped comment was kept as it came, secret and all. A document with comments
    // is redacted as text instead (the caller's fallback), which reads the comments too.
    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>
    /// Whether <see cref="RewriteJson"/> would change the document: the same walk and the same decisions, without
    /// writing, and without decoding to a string a name or value that holds no hint. Throws where the rewrite would.
    /// </summary>
    private static bool Rewrites(ReadOnlySpan<byte> utf8, int depth)
    {
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        // A token's characters never outnumber its bytes (escaped or not).
        var scratch = ArrayPool<char>.Shared.Rent(Math.Max(1, utf8.Length));
        try
        {
            var secretField = false;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        var name = HintedString(ref reader, scratch);
                        if (name is not null && !ReferenceEquals(name, RedactSpeltOut(name, gated: true)))
                        {
                            return true;
                        }
                        secretField = name is not null && IsSecretName(name);
                        continue;
                    case JsonTokenType.String:
                        var value = secretField ? reader.GetString()! : HintedString(ref reader, scratch);
                        if (value is not null && (secretField && value.Length > 0 && !IsMarker(value)
                            || !ReferenceEquals(value, RedactJsonString(value, depth, gated: true))))
                        {
                            return true;
                        }
                        break;
                    case JsonTokenType.Number when secretField:
                        return true;
                }

                secretField = false;
            }
        }
        finally
        {
            ArrayPool<char>.Shared.Return(scratch);
        }

        ThrowOnTrailingData(utf8, in reader);
        return false;
    }

    /// <summary>The current string token, or null when it holds nothing redaction could change (then it is not allocated).</summary>
    private static string? HintedString(ref Utf8JsonReader reader, char[] scratch)
    {
        var chars = scratch.AsSpan(0, reader.CopyString(scratch));
        return MayHoldSecret(chars) ? new string(chars) : null;
    }

    private static void ThrowOnTrailingData(ReadOnlySpan<byte> utf8, in Utf8JsonReader reader)
    {
        if (reader.BytesConsumed != utf8.Length && !utf8[(int)reader.BytesConsumed..].Trim(" \t\r\n"u8).IsEmpty)
        {
            throw new JsonException("trailing data");
        }
    }

    private static byte[] RewriteJson(ReadOnlySpan<byte> utf8, int depth, bool gated, out bool changed)
    {
        changed = false;
        var reader = new Utf8JsonReader(utf8, ReaderOptions);
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
                        var redactedName = RedactSpeltOut(name, gated);
                        changed |= !ReferenceEquals(name, redactedName);
                        writer.WritePropertyName(redactedName);
                        secretField = IsSecretName(name, gated);
                        continue;
                    case JsonTokenType.String:
                        var value = reader.GetString()!;
                        var redacted = secretField && value.Length > 0 && !IsMarker(value) ? Marker("secret-field") : RedactJsonString(value, depth, gated);
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

        ThrowOnTrailingData(utf8, in reader);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A string value: JSON inside it is walked as JSON (to a bounded depth), anything else is redacted as text.</summary>
    private static string RedactJsonString(string value, int depth, bool gated)
    {
        var inner = value.AsSpan().Trim();
        if (depth < MaxNestedJson && inner.Length > 1 && (inner[0], inner[^1]) is ('{', '}') or ('[', ']') && (!gated || MayHoldSecret(value.AsSpan()))
            && TryRewriteJson(Encoding.UTF8.GetBytes(value), depth + 1, gated, out var json))
        {
            var rewritten = json is null ? value : Encoding.UTF8.GetString(json);
            return rewritten == value ? value : rewritten;
        }

        // One level of quoting down: its escapes hide a secret as they do in JSON that cannot be walked.
        return RedactSpeltOut(value, gated);
    }
}
