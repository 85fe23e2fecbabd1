using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hookline.Core;

namespace Hookline.Server.Internal.Approvals;

/// <summary>
/// One notice about one approval, as sent on every attempt: the same body and the same <see cref="Id"/>
/// (<c>X-Hookline-Delivery</c>) each time, so a receiver drops repeats. The id is derived from the approval and the
/// event, so replicas that both send a notice send it under one id.
/// </summary>
internal sealed record WebhookDelivery(string Id, string Event, string ApprovalId, byte[] Body)
{
    public const string PendingEvent = "approval.pending";
    public const string ResolvedEvent = "approval.resolved";

    public const string IdHeader = "X-Hookline-Delivery";
    public const string EventHeader = "X-Hookline-Event";

    /// <summary>The most of a subject a notice carries (the request's page shows it all).</summary>
    internal const int MaxSubjectChars = 500;

    public static WebhookDelivery Of(ApprovalView approval, string eventName, ApprovalWebhookOptions options, EventCapture capture)
    {
        var shown = approval with { Subject = Subject(approval.Subject, capture), Reason = approval.Reason is { } reason ? Redactor.Redact(reason) : null };
        var link = Link(options.PublicUrl, approval.Id);
        var body = options.Format == ApprovalWebhookFormat.Slack
            ? JsonSerializer.SerializeToUtf8Bytes(SlackMessage.Of(shown, eventName, link), WebhookJsonContext.Default.SlackMessage)
            : JsonSerializer.SerializeToUtf8Bytes(new GenericWebhookBody(eventName, link, shown), WebhookJsonContext.Default.GenericWebhookBody);
        return new WebhookDelivery(StableId(eventName, approval.Id), eventName, approval.Id, body);
    }

    /// <summary>
    /// What of the subject leaves the server: nothing with capture none; else redacted (with capture full too, as
    /// every view of the trail masks it) and cut to <see cref="MaxSubjectChars"/>.
    /// </summary>
    internal static string Subject(string subject, EventCapture capture)
    {
        if (capture.Mode == CaptureMode.None || subject.Length == 0)
        {
            return "";
        }
        var redacted = Redactor.Redact(subject);
        return redacted.Length <= MaxSubjectChars ? redacted
            : redacted[..(char.IsHighSurrogate(redacted[MaxSubjectChars - 1]) ? MaxSubjectChars - 1 : MaxSubjectChars)] + "…";
    }

    /// <summary><c>{public-url}/approvals/{id}</c>: the request's page, which requires sign-in; null without a public URL.</summary>
    internal static string? Link(Uri? publicUrl, string approvalId) => publicUrl is null ? null
        : publicUrl.AbsoluteUri.TrimEnd('/') + "/approvals/" + Uri.EscapeDataString(approvalId);

    /// <summary>A UUID (version 8, name-based) of the event and the approval.</summary>
    private static string StableId(string eventName, string approvalId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("hookline-webhook\0" + eventName + "\0" + approvalId));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString();
    }
}

/// <summary>The generic body: the event, the link, and the approval as <c>hookline approvals list --json</c> shows it.</summary>
internal sealed record GenericWebhookBody(string Event, string? Link, ApprovalView Approval);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(GenericWebhookBody))]
[JsonSerializable(typeof(SlackMessage))]
internal sealed partial class WebhookJsonContext : JsonSerializerContext;
