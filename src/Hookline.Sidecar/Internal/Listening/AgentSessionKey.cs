using System.Text.Json;

namespace Hookline.Sidecar.Internal.Listening;

/// <summary>
/// The agent's own session id from the hook JSON (<c>session_id</c>; Cursor's <c>conversation_id</c>), read with a
/// forward-only reader that stops at the first match: the daemon routes on it before any adapter parses the event.
/// </summary>
internal static class AgentSessionKey
{
    public static string Read(ReadOnlyMemory<byte> stdin)
    {
        try
        {
            var reader = new Utf8JsonReader(stdin.Span, new JsonReaderOptions { MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "";
            }
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var wanted = reader.ValueTextEquals("session_id"u8) || reader.ValueTextEquals("conversation_id"u8);
                if (!reader.Read())
                {
                    return "";
                }
                if (wanted && reader.TokenType == JsonTokenType.String)
                {
                    return reader.GetString()!;
                }
                reader.TrySkip();
            }
        }
        catch (Exception ex) when (Hookline.Policy.JsonValidity.IsMalformedInput(ex))
        {
            // Routed to the session of no id; its processor then refuses the input with the reason.
        }
        return "";
    }
}
