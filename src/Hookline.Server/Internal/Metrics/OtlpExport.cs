using System.Text.Json;
using Hookline.Server.Internal.ReadApi;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Hookline.Server.Internal.Metrics;

/// <summary>
/// Sends the server's metrics and every event it stores to an OTLP collector. Each event goes as one log record: its
/// body the line <c>hookline events --json</c> prints, its attributes that line's fields; so it is the stored,
/// redacted view (<see cref="LiveFeed.ToView"/>), under the capture mode. A live feed, not the record of truth: records
/// wait in a bounded batch queue and are dropped when it is full or the collector is away; the audit trail keeps them.
/// </summary>
internal sealed class OtlpExport : IDisposable
{
    private const string ServiceName = "hookline-server";
    private static readonly TimeSpan ShutdownBound = TimeSpan.FromSeconds(5);

    private static readonly EventId StoredEvent = new(1, "hookline.event");

    private readonly MeterProvider _meters;
    private readonly ILoggerFactory _logs;
    private readonly ILogger _events;

    private OtlpExport(MeterProvider meters, ILoggerFactory logs)
    {
        _meters = meters;
        _logs = logs;
        _events = logs.CreateLogger("Hookline.Audit");
    }

    /// <summary>The export the options or the environment ask for, or null when neither names an endpoint.</summary>
    public static OtlpExport? Start(HooklineServerOptions options)
    {
        var otlp = options.Otlp ?? new OtlpExportOptions();
        if (otlp.Endpoint is null && !EnvironmentNamesEndpoint())
        {
            return null;
        }
        var protocol = ParseProtocol(otlp.Protocol);
        var resource = ResourceBuilder.CreateDefault().AddService(
            Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") is { Length: > 0 } name ? name : ServiceName,
            serviceInstanceId: options.InstanceName);
        var meters = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(resource)
            .AddMeter(ServerMetrics.MeterName)
            .AddOtlpExporter((exporter, reader) =>
            {
                Configure(exporter, otlp, protocol, "/v1/metrics");
                if (otlp.MetricInterval is { } interval)
                {
                    reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)interval.TotalMilliseconds;
                }
            })
            .Build();
        // A logging pipeline of its own: only stored events go out, never the server's own log lines.
        var logs = LoggerFactory.Create(logging => logging.AddOpenTelemetry(otel =>
        {
            otel.SetResourceBuilder(resource);
            otel.IncludeFormattedMessage = true;
            otel.AddOtlpExporter((exporter, processor) =>
            {
                Configure(exporter, otlp, protocol, "/v1/logs");
                // Batched (the default) and bounded: a record past the queue's size is dropped, never waited for.
                processor.ExportProcessorType = ExportProcessorType.Batch;
                if (otlp.LogDelay is { } delay)
                {
                    processor.BatchExportProcessorOptions.ScheduledDelayMilliseconds = (int)delay.TotalMilliseconds;
                }
            });
        }));
        return new OtlpExport(meters, logs);
    }

    /// <summary>One stored event, as <c>hookline events --json</c> shows it.</summary>
    public void Publish(EventView view)
    {
        var json = JsonSerializer.Serialize(view, AuditJson.Default.EventView);
        var attributes = new List<KeyValuePair<string, object?>>(24);
        using (var fields = JsonDocument.Parse(json))
        {
            foreach (var field in fields.RootElement.EnumerateObject())
            {
                if (ValueOf(field.Value) is { } value)
                {
                    attributes.Add(new(field.Name, value));
                }
            }
        }
        // The attributes are the fields; the body (the formatted message) is the whole line.
        _events.Log(LogLevel.Information, StoredEvent, attributes, null, (_, _) => json);
    }

    public void Dispose()
    {
        // What is still queued gets one bounded chance to leave (the exporter's own timeout); the audit trail has it either way.
        _meters.Shutdown((int)ShutdownBound.TotalMilliseconds);
        _meters.Dispose();
        _logs.Dispose();
    }

    private static object? ValueOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetInt64(out var whole) ? (object)whole : value.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Array => value.EnumerateArray().Select(item => item.ToString()).ToArray(),
        _ => null,
    };

    private static readonly string[] EndpointVariables =
        ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"];

    private static bool EnvironmentNamesEndpoint()
        => EndpointVariables.Any(name => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)));

    private static OtlpExportProtocol? ParseProtocol(string? protocol) => protocol switch
    {
        null => null,
        "grpc" => OtlpExportProtocol.Grpc,
        "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
        _ => throw new ArgumentException($"--otlp-protocol {protocol}: use grpc or http/protobuf"),
    };

    private static void Configure(OtlpExporterOptions exporter, OtlpExportOptions otlp, OtlpExportProtocol? protocol, string signalPath)
    {
        if (protocol is { } chosen)
        {
            exporter.Protocol = chosen;
        }
        if (otlp.Endpoint is { } endpoint)
        {
            // A base URL, as OTEL_EXPORTER_OTLP_ENDPOINT: over HTTP each signal has its own path below it.
            exporter.Endpoint = exporter.Protocol == OtlpExportProtocol.HttpProtobuf
                ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + signalPath)
                : endpoint;
        }
    }
}
