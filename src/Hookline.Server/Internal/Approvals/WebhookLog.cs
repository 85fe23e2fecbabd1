using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Approvals;

internal static partial class WebhookLog
{
    [LoggerMessage(1860, LogLevel.Information, "Approval webhook: {Format} notices to {Receiver}{Links}")]
    public static partial void Started(ILogger logger, string format, string receiver, string links);

    [LoggerMessage(1861, LogLevel.Warning, "Approval webhook delivery {DeliveryId} ({Event} of approval {ApprovalId}) failed: {Problem}; retrying in {DelayMs} ms")]
    public static partial void Retrying(ILogger logger, string deliveryId, string @event, string approvalId, string problem, long delayMs);

    [LoggerMessage(1862, LogLevel.Warning, "Approval webhook delivery {DeliveryId} ({Event} of approval {ApprovalId}) given up: {Problem}")]
    public static partial void GaveUp(ILogger logger, string deliveryId, string @event, string approvalId, string problem);

    [LoggerMessage(1863, LogLevel.Warning, "Approval webhook queue full: the notice {Event} of approval {ApprovalId} was dropped ({Dropped} dropped so far)")]
    public static partial void Dropped(ILogger logger, string @event, string approvalId, long dropped);

    [LoggerMessage(1864, LogLevel.Debug, "Approval webhook delivery {DeliveryId} ({Event} of approval {ApprovalId}) delivered after {Attempts} attempt(s)")]
    public static partial void Delivered(ILogger logger, string deliveryId, string @event, string approvalId, int attempts);

    [LoggerMessage(1865, LogLevel.Error, "Approval webhook notice {Event} of approval {ApprovalId} failed unexpectedly")]
    public static partial void Failed(ILogger logger, Exception exception, string @event, string approvalId);
}
