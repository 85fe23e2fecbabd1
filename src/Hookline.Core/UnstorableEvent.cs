using System.Text;
using Google.Protobuf;
using Hookline.Contracts.V1;

namespace Hookline.Core;

/// <summary>
/// The stand-in a writer stores for an event it could not store as it is (a payload its redactor cannot read, text a
/// database refuses): every string made storable, every payload replaced by a marked, redacted copy of its raw bytes.
/// Writers store this instead of stopping, so nothing accepted is lost and one bad event never blocks the ones after it.
/// </summary>
public static class UnstorableEvent
{
    /// <summary>Opens every payload stored in place of the original; the kind of error follows it.</summary>
    public const string MarkerPrefix = "[UNSTORABLE:";

    /// <summary>The marker that opens a payload stored in place of one that failed with <paramref name="error"/>.</summary>
    public static string Marker(Exception error) => MarkerPrefix + error.GetType().Name + "] ";

    /// <summary>Whether a stored payload is such a stand-in.</summary>
    public static bool IsMarked(ReadOnlySpan<byte> payload) => payload.StartsWith("[UNSTORABLE:"u8);

    /// <summary>A copy of <paramref name="hookEvent"/> that any store accepts; never throws.</summary>
    public static HookEvent Mark(HookEvent hookEvent, Exception error, EventCapture capture)
    {
        var marker = Marker(error);
        var stored = hookEvent.Clone();
        stored.EventId = Storable(stored.EventId);
        stored.SessionId = Storable(stored.SessionId);
        stored.Agent = Storable(stored.Agent);
        stored.AgentSessionId = Storable(stored.AgentSessionId);
        stored.HookEventName = Storable(stored.HookEventName);
        stored.NativeEvent = Storable(stored.NativeEvent);
        stored.ToolName = Storable(stored.ToolName);
        stored.NativeToolName = Storable(stored.NativeToolName);
        stored.ToolUseId = Storable(stored.ToolUseId);
        stored.Cwd = Storable(stored.Cwd);
        stored.PermissionMode = Storable(stored.PermissionMode);
        stored.HomeDirectory = Storable(stored.HomeDirectory);
        stored.ProjectDirectory = Storable(stored.ProjectDirectory);
        for (var i = 0; i < stored.ResolvedPaths.Count; i++)
        {
            stored.ResolvedPaths[i] = Storable(stored.ResolvedPaths[i]);
        }
        var userHomes = stored.UserHomes.ToArray();
        stored.UserHomes.Clear();
        foreach (var (name, home) in userHomes)
        {
            stored.UserHomes[Storable(name)] = Storable(home);
        }
        stored.User = Storable(stored.User);
        stored.Org = Storable(stored.Org);
        stored.ToolInput = MarkedPayload(stored.ToolInput.Span, marker, capture, stored);
        stored.ToolResponse = MarkedPayload(stored.ToolResponse.Span, marker, capture, stored);
        stored.RawInput = MarkedPayload(stored.RawInput.Span, marker, capture, stored);
        stored.Prompt = stored.Prompt.Length == 0 || capture.Mode == CaptureMode.None
            ? ""
            : Text(marker, Encoding.UTF8.GetBytes(Storable(stored.Prompt)), capture, stored);
        if (stored.Applied is { } applied)
        {
            stored.Applied = applied.Clone();
            stored.Applied.Reason = RedactedText(Storable(applied.Reason));
            stored.Applied.ReasonCode = Storable(applied.ReasonCode);
            for (var i = 0; i < stored.Applied.RuleIds.Count; i++)
            {
                stored.Applied.RuleIds[i] = Storable(stored.Applied.RuleIds[i]);
            }
        }
        return stored;
    }

    /// <summary>A storable copy of a decision: its text fields are made storable and redacted.</summary>
    public static Decision? Mark(Decision? decision)
    {
        if (decision is null)
        {
            return null;
        }
        var stored = decision.Clone();
        stored.EventId = Storable(stored.EventId);
        stored.Reason = RedactedText(Storable(stored.Reason));
        stored.ReasonCode = Storable(stored.ReasonCode);
        stored.Matched = RedactedText(Storable(stored.Matched));
        for (var i = 0; i < stored.RuleIds.Count; i++)
        {
            stored.RuleIds[i] = Storable(stored.RuleIds[i]);
        }
        return stored;
    }

    /// <summary>
    /// Text every store takes: NUL (which PostgreSQL refuses in text) and unpaired UTF-16 surrogates (which strict UTF-8
    /// encoders refuse) become U+FFFD. The same instance when nothing needs replacing.
    /// </summary>
    public static string Storable(string text)
    {
        var bad = FirstUnstorable(text);
        if (bad < 0)
        {
            return text;
        }
        var chars = text.ToCharArray();
        for (var i = bad; i < chars.Length; i++)
        {
            if (chars[i] == '\0')
            {
                chars[i] = '\uFFFD';
            }
            else if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }
        return new string(chars);
    }

    private static int FirstUnstorable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return i;
            }
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                    continue;
                }
                return i;
            }
        }
        return -1;
    }

    private static ByteString MarkedPayload(ReadOnlySpan<byte> payload, string marker, EventCapture capture, HookEvent stored)
    {
        if (payload.IsEmpty || capture.Mode == CaptureMode.None)
        {
            return ByteString.Empty;
        }
        return ByteString.CopyFromUtf8(Text(marker, payload, capture, stored));
    }

    /// <summary>The marker, then the raw bytes read as UTF-8 (invalid sequences replaced), redacted unless capture is full, capped.</summary>
    private static string Text(string marker, ReadOnlySpan<byte> raw, EventCapture capture, HookEvent stored)
    {
        var text = Storable(Encoding.UTF8.GetString(raw));
        text = capture.Mode == CaptureMode.Full ? text : RedactedText(text);
        if (text.Length > capture.MaxBytes)
        {
            // Redacted first, then cut: cutting first could leave the start of a secret the redactor no longer knows.
            text = text[..capture.MaxBytes];
            stored.PayloadTruncated = true;
        }
        return Storable(marker + text);
    }

    private static string RedactedText(string text)
    {
        try
        {
            return Redactor.Redact(text);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A redactor that cannot read it either: keep nothing of it rather than something unredacted.
            return Redactor.Marker("unreadable");
        }
    }
}
