using System.CommandLine;
using Hookline.Server;

namespace Hookline.Cli.Hosting;

/// <summary>
/// The OpenTelemetry export of <c>hookline server</c>: metrics, and each stored event as a log record, to an OTLP
/// collector. Unset, the standard <c>OTEL_EXPORTER_OTLP_*</c> variables decide.
/// </summary>
internal sealed class OtlpFlags
{
    private readonly Option<Uri?> _endpoint = new("--otlp-endpoint")
    {
        Description = "Send metrics and each stored event (a log record with the fields of events --json, redacted) to this OTLP collector, " +
            "e.g. http://127.0.0.1:4317; a live feed that drops records under pressure, the audit trail stays the record. " +
            "Default: OTEL_EXPORTER_OTLP_ENDPOINT, else off",
        CustomParser = result => Uri.TryCreate(result.Tokens[0].Value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri
            : Invalid(result),
    };

    private readonly Option<string?> _protocol = new("--otlp-protocol")
    {
        Description = "OTLP transport: grpc (port 4317) or http/protobuf (port 4318). Default: OTEL_EXPORTER_OTLP_PROTOCOL, else grpc",
    };

    public OtlpFlags() => _protocol.AcceptOnlyFromAmong("grpc", "http/protobuf");

    public void AddTo(Command command)
    {
        command.Options.Add(_endpoint);
        command.Options.Add(_protocol);
    }

    public HooklineServerOptions Apply(ParseResult parse, HooklineServerOptions options)
    {
        options.Otlp = new OtlpExportOptions { Endpoint = parse.GetValue(_endpoint), Protocol = parse.GetValue(_protocol) };
        return options;
    }

    private static Uri? Invalid(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError($"--otlp-endpoint {result.Tokens[0].Value}: an http:// or https:// URL");
        return null;
    }
}
