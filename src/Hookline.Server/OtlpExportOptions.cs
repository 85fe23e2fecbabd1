namespace Hookline.Server;

/// <summary>
/// Where the server sends its metrics and its stored events (one log record each, the fields of
/// <c>hookline events --json</c>) over OTLP. Unset values fall back to the standard <c>OTEL_EXPORTER_OTLP_*</c>
/// environment variables; the export is on once an endpoint is set here or there.
/// </summary>
public sealed record OtlpExportOptions
{
    /// <summary>The collector's base URL, as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (with http/protobuf, <c>/v1/logs</c> and <c>/v1/metrics</c> are added).</summary>
    public Uri? Endpoint { get; init; }

    /// <summary><c>grpc</c> or <c>http/protobuf</c>; null: <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, else grpc.</summary>
    public string? Protocol { get; init; }

    /// <summary>How often metrics are sent; null: <c>OTEL_METRIC_EXPORT_INTERVAL</c>, else every 60 s.</summary>
    public TimeSpan? MetricInterval { get; init; }

    /// <summary>How long stored events wait to be sent in a batch; null: <c>OTEL_BLRP_SCHEDULE_DELAY</c>, else 1 s.</summary>
    public TimeSpan? LogDelay { get; init; }
}
