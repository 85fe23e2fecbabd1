using Microsoft.Extensions.Logging;

namespace Hookline.Sidecar.Internal.Transcripts;

internal static partial class TranscriptLog
{
    [LoggerMessage(2300, LogLevel.Warning, "Transcript {Path} refused, nothing read from it: {Reason}")]
    public static partial void Refused(ILogger logger, string path, string reason);

    [LoggerMessage(2301, LogLevel.Warning, "Transcript {Path}: a line longer than {MaxBytes} bytes skipped")]
    public static partial void LongLine(ILogger logger, string path, int maxBytes);

    [LoggerMessage(2302, LogLevel.Warning, "Transcript {Path}: {Count} lines skipped (not JSON, text that cannot be read, or ids and names that are not sane)")]
    public static partial void LinesSkipped(ILogger logger, string path, int count);

    [LoggerMessage(2303, LogLevel.Information, "Transcript read still running after {BudgetMs} ms; what it finds goes with a later event")]
    public static partial void StillReading(ILogger logger, double budgetMs);

    [LoggerMessage(2305, LogLevel.Information, "Transcript: {Count} executed tool calls sent with {Event}: {Ids}")]
    public static partial void Attached(ILogger logger, int count, string @event, string ids);

    [LoggerMessage(2304, LogLevel.Error, "Reading transcript {Path} failed")]
    public static partial void ReadFailed(ILogger logger, string path, Exception exception);
}
