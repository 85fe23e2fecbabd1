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
    public static byte[] RedactJson(ReadOnlySpan<byte> utf8)
    {
        if (!MayHoldSecret(utf8))
        {
            return utf8.ToArray();
        }

        return TryRewriteJson(utf8, 0) ?? RedactUtf8Text(utf8) ?? utf8.ToArray();
    }

    /// <summary>Redacts stored text for a view: as JSON when it is JSON, else as text. Null stays null.</summary>
    public static string? RedactStored(string? text)
    {
        if (string.IsNullOrEmpty(text) || text.AsSpan().IndexOfAny(Hints) < 0 && !text.Contains("\\u", StringComparison.Ordinal))
        {
            return text;
        }

        var first = text.AsSpan().TrimStart();
        if (first.Length > 0 && first[0] is '{' or '[' && TryRewriteJson(Encoding.UTF8.GetBytes(text), 0) is { } json)
        {
            return Encoding.UTF8.GetString(json);
        }

        return Redact(text);
    }

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

    /// <summary>The redacted text of UTF-8 bytes, or null when nothing was redacted (invalid sequences never throw).</summary>
    private static byte[]? RedactUtf8Text(ReadOnlySpan<byte> utf8)
    {
        var text = Encoding.UTF8.GetString(utf8);
        var redacted = Redact(text);
        return ReferenceEquals(text, redacted) ? null : Encoding.UTF8.GetBytes(redacted);
    }

    /// <summary>The redacted document, the input itself when nothing changed, or null when it is not valid JSON.</summary>
    private static byte[]? TryRewriteJson(ReadOnlySpan<byte> utf8, int depth)
    {
        try
        {
            var rewritten = RewriteJson(utf8, depth, out var changed);
            return changed ? rewritten : utf8.ToArray();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            // Not JSON, or JSON that .NET cannot transcode (a lone surrogate escape, invalid UTF-8): the caller redacts it as text.
            return null;
        }
    }

    private static byte[] RewriteJson(ReadOnlySpan<byte> utf8, int depth, out bool changed)
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
                        var redacted = secretField && value.Length > 0 && !IsMarker(value) ? Marker("secret-field") : RedactJsonString(value, depth);
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

    /// <summary>A string value: JSON inside it is walked as JSON (to a bounded depth), anything else is redacted as text.</summary>
    private static string RedactJsonString(string value, int depth)
    {
        var inner = value.AsSpan().Trim();
        if (depth < MaxNestedJson && inner.Length > 1 && (inner[0], inner[^1]) is ('{', '}') or ('[', ']') && value.AsSpan().IndexOfAny(Hints) >= 0
            && TryRewriteJson(Encoding.UTF8.GetBytes(value), depth + 1) is { } json)
        {
            var rewritten = Encoding.UTF8.GetString(json);
            return rewritten == value ? value : rewritten;
        }

        return Redact(value);
    }
}
