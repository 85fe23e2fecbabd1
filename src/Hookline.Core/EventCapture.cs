using Google.Protobuf;
using Hookline.Contracts.V1;

namespace Hookline.Core;

/// <summary>How much of an event's payload is kept on disk (server store and sidecar spool).</summary>
public enum CaptureMode
{
    /// <summary>
    /// Tool input and output, prompt and raw input are stored with secrets replaced by markers (the default), each
    /// payload redacted first and then cut to <see cref="EventCapture.MaxBytes"/>.
    /// </summary>
    Redacted,

    /// <summary>Metadata only: no tool input, tool output, prompt or raw input is stored.</summary>
    None,

    /// <summary>
    /// Everything as the agent sent it, each payload cut to <see cref="EventCapture.MaxBytes"/>. What is stored is not
    /// redacted, but every view of it (API, dashboard, CLI, live feed) still masks what <see cref="Redacted"/> would.
    /// </summary>
    Full,
}

/// <summary>
/// Prepares events and decisions for storage under a capture mode. Never changes what it is given: it returns copies,
/// so the event that is being evaluated or sent keeps its real content in memory.
/// </summary>
/// <param name="Mode">What is kept.</param>
/// <param name="MaxBytes">
/// The most bytes of each payload that are stored, in every mode that stores payloads: a larger one is cut and ends with
/// <see cref="Redactor.TruncationMarker"/>, and the event is marked truncated.
/// </param>
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
                stored.ToolInput = Capped(stored.ToolInput, stored, redact: false);
                stored.ToolResponse = Capped(stored.ToolResponse, stored, redact: false);
                stored.RawInput = Capped(stored.RawInput, stored, redact: false);
                stored.Prompt = Redactor.Truncate(stored.Prompt, MaxBytes, out var promptCut);
                stored.PayloadTruncated |= promptCut;
                return stored;
            default:
                // Redact first, then cut: a cut first could leave half a secret that no pattern recognises.
                stored.ToolInput = Capped(stored.ToolInput, stored, redact: true);
                stored.ToolResponse = Capped(stored.ToolResponse, stored, redact: true);
                stored.RawInput = Capped(stored.RawInput, stored, redact: true);
                stored.Prompt = Redactor.Redact(stored.Prompt, MaxBytes, out var redactedPromptCut);
                stored.PayloadTruncated |= redactedPromptCut;
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

    private ByteString Capped(ByteString payload, HookEvent stored, bool redact)
    {
        if (payload.IsEmpty)
        {
            return payload;
        }

        var kept = redact ? Redactor.RedactJsonIfChanged(payload.Span, MaxBytes, out var truncated) : Redactor.TruncateIfLonger(payload.Span, MaxBytes, out truncated);
        stored.PayloadTruncated |= truncated;
        return kept is null || payload.Span.SequenceEqual(kept) ? payload : UnsafeByteOperations.UnsafeWrap(kept);
    }
}
