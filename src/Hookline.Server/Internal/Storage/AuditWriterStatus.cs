using Hookline.Core;

namespace Hookline.Server.Internal.Storage;

/// <summary>How the audit writer is doing, for <c>/healthz</c> and <c>/metrics</c>, and the byte bound of its queue.</summary>
internal sealed class AuditWriterStatus(HooklineServerOptions options)
{
    private long _retries;
    private long _marked;
    private volatile string? _retrying;
    private volatile string? _failed;

    /// <summary>Why storage is being retried (a full disk, a lost database); null while batches are stored.</summary>
    public string? Retrying => _retrying;

    /// <summary>Why the writer stopped for good; null while it runs. The server then stops, for a supervisor to restart it.</summary>
    public string? Failed => _failed;

    /// <summary>Bytes of the events waiting to be stored, bounded by <see cref="HooklineServerOptions.AuditQueueMaxBytes"/>.</summary>
    public ByteBudget Queue { get; } = new(options.AuditQueueMaxBytes);

    public bool Degraded => _retrying is not null;

    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>Events stored as marked stand-ins because they could not be stored as they came.</summary>
    public long Marked => Interlocked.Read(ref _marked);

    public void BatchFailed(Exception error)
    {
        Interlocked.Increment(ref _retries);
        _retrying = $"{error.GetType().Name}: {error.Message}";
    }

    public void BatchStored() => _retrying = null;

    public void RecordMarked() => Interlocked.Increment(ref _marked);

    public void Fail(string why) => _failed = why;
}
