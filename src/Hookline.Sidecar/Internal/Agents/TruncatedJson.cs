using System.Buffers;
using System.Text.Json;

namespace Hookline.Sidecar.Internal.Agents;

/// <summary>
/// What can be read of a JSON object that was cut at the frame cap: its complete top-level members, as a new object.
/// Agents put the small fields (session, event, tool name and input) before the large output, so a cut event still
/// says what it was.
/// </summary>
internal static class TruncatedJson
{
    /// <summary>The complete members before the cut, re-written as a whole object; null when not even the start is an object.</summary>
    public static byte[]? Salvage(ReadOnlySpan<byte> cut)
    {
        var reader = new Utf8JsonReader(cut, isFinalBlock: false, new JsonReaderState(new JsonReaderOptions { MaxDepth = 256 }));
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }
            using var writer = new Utf8JsonWriter(buffer);
            writer.WriteStartObject();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (!reader.Read())
                {
                    break;
                }
                var start = (int)reader.TokenStartIndex;
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && !reader.TrySkip())
                {
                    break; // The cut falls inside this value.
                }
                writer.WritePropertyName(name);
                writer.WriteRawValue(cut[start..(int)reader.BytesConsumed], skipInputValidation: true);
            }
            writer.WriteEndObject();
        }
        catch (Exception ex) when (Hookline.Policy.JsonValidity.IsMalformedInput(ex))
        {
            return null;
        }
        return buffer.WrittenSpan.ToArray();
    }
}
