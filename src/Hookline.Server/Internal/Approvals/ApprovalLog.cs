using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Approvals;

internal static partial class ApprovalLog
{
    [LoggerMessage(1700, LogLevel.Information, "Approval {ApprovalId} opened for session {SessionId} (rule {RuleId}), expires in {ExpiresInMs} ms")]
    public static partial void Opened(ILogger logger, string approvalId, string sessionId, string ruleId, long expiresInMs);

    [LoggerMessage(1701, LogLevel.Information, "Approval {ApprovalId} {Status} by {AnsweredBy} through {Channel}")]
    public static partial void Answered(ILogger logger, string approvalId, string status, string answeredBy, string channel);

    [LoggerMessage(1702, LogLevel.Information, "Approval {ApprovalId} timed out: on_timeout {OnTimeout} applies")]
    public static partial void TimedOut(ILogger logger, string approvalId, string onTimeout);

    [LoggerMessage(1703, LogLevel.Warning, "Sweeping expired approvals failed; retrying in {DelayMs} ms")]
    public static partial void SweepFailed(ILogger logger, Exception exception, long delayMs);

    [LoggerMessage(1704, LogLevel.Warning, "Reloading approval {ApprovalId} after a notification failed")]
    public static partial void ReloadFailed(ILogger logger, Exception exception, string approvalId);
}
