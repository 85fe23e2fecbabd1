using Google.Protobuf;
using Hookline.Contracts.V1;

namespace Hookline.Core;

/// <summary>How much of an event's payload is kept on disk (server store and sidecar spool).</summary>
public enum CaptureMode
{
    /// <summary>Tool input and output, prompt and raw input are stored with secrets replaced by markers (the default).</summary>
    Redacted,

    /// <summary>Metadata only: no tool input, tool output, prompt or raw input is stored.</summary>
    None,

    /// <summary>Everything as the agent sent it, each payload up to <see cref="EventCapture.MaxBytes"/>.</summary>
    Full,
}

/// <summary>
/// Prepares events and decisions for storage under a capture mode. Never changes what it is given: it returns copies,
/// so the event that is being evaluated or sent keeps its real content in memory.
/// </summary>
/// <param name="Mode">What is kept.</param>
/// <param name="MaxBytes">In <see cref="CaptureMode.Full"/>: a larger payload is not stored (the event is marked truncated).</param>
public sealed record EventCapture(CaptureMode Mode = CaptureMode.Redacted, int MaxBytes = EventCapture.DefaultMaxBytes)
{
    public const int DefaultMaxBytes = 64 * 1024;

    public static EventCapture Default { get; } = new();

    /// <summary>Parses <c>none</c>, <c>redacted</c> or <c>full</c>.</summary>
    public static bool TryParseMode(string? text, out CaptureMode mode)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "none":
                mode = CaptureMode.None;
                return true;
            case "redacted":
                mode = CaptureMode.Redacted;
                return true;
            case "full":
                mode = CaptureMode.Full;
                return true;
            default:
                mode = CaptureMode.Redacted;
                return false;
        }
    }

    /// <summary>The copy of <paramref name="hookEvent"/> that may be written to disk.</summary>
    public HookEvent Prepare(HookEvent hookEvent)
    {
        var stored = hookEvent.Clone();
        switch (Mode)
        {
            case CaptureMode.None:
                stored.ToolInput = ByteString.Empty;
                stored.ToolResponse = ByteString.Empty;
                stored.RawInput = ByteString.Empty;
                stored.Prompt = "";
                break;
            case CaptureMode.Full:
                stored.ToolInput = Capped(stored.ToolInput, stored);
                stored.ToolResponse = Capped(stored.ToolResponse, stored);
                stored.RawInput = Capped(stored.RawInput, stored);
                if (System.Text.Encoding.UTF8.GetByteCount(stored.Prompt) > MaxBytes)
                {
                    stored.Prompt = "";
                    stored.PayloadTruncated = true;
                }

                return stored;
            default:
                stored.ToolInput = RedactedJson(stored.ToolInput);
                stored.ToolResponse = RedactedJson(stored.ToolResponse);
                stored.RawInput = RedactedJson(stored.RawInput);
                stored.Prompt = Redactor.Redact(stored.Prompt);
                break;
        }

        // What was applied can quote the command (a reason naming a sub-command): never stored unredacted.
        if (stored.Applied is { } applied)
        {
            stored.Applied = applied.Clone();
            stored.Applied.Reason = Redactor.Redact(applied.Reason);
        }

        return stored;
    }

    /// <summary>The copy of a decision that may be written to disk: its reason and what it matched can quote the command.</summary>
    public Decision? Prepare(Decision? decision)
    {
        if (decision is null || Mode == CaptureMode.Full)
        {
            return decision;
        }

        var reason = Redactor.Redact(decision.Reason);
        var matched = Mode == CaptureMode.None ? "" : Redactor.Redact(decision.Matched);
        if (ReferenceEquals(reason, decision.Reason) && (ReferenceEquals(matched, decision.Matched) || matched == decision.Matched))
        {
            return decision;
        }

        var stored = decision.Clone();
        stored.Reason = reason;
        stored.Matched = matched;
        return stored;
    }

    private static ByteString RedactedJson(ByteString payload)
    {
        if (payload.IsEmpty)
        {
            return payload;
        }

        byte[] redacted;
        try
        {
            redacted = Redactor.RedactJson(payload.Span);
        }
        catch (Exception ex) when (Hookline.Policy.JsonValidity.IsMalformedInput(ex))
        {
            // JSON whose text the reader cannot decode (a lone surrogate escape, bytes that are not UTF-8) is kept as
            // text with its secrets masked: the event is still stored, and nothing here stops on it.
            redacted = System.Text.Encoding.UTF8.GetBytes(Redactor.Redact(System.Text.Encoding.UTF8.GetString(payload.Span)));
        }
        return payload.Span.SequenceEqual(redacted) ? payload : UnsafeByteOperations.UnsafeWrap(redacted);
    }

    private ByteString Capped(ByteString payload, HookEvent stored)
    {
        if (payload.Length <= MaxBytes)
        {
            return payload;
        }

        stored.PayloadTruncated = true;
        return ByteString.Empty;
    }
}
