using System.Text.Json;
using Hookline.Server.Tests.Otlp;

namespace Hookline.Server.Tests;

/// <summary>
/// The OTLP export: a real server sends its metrics, and each stored event as a log record with the fields of
/// <c>hookline events --json</c> (redacted), to a collector on loopback, over gRPC and over http/protobuf.
/// </summary>
public sealed class OtlpExportTests
{
    private const string Secret = "ghp_OtlpExportSecret0123456789abcdefABCD";

    [Theory]
    [InlineData("grpc")]
    [InlineData("http/protobuf")]
    public async Task Stored_events_arrive_as_redacted_log_records_and_metrics_arrive(string protocol)
    {
        await using var collector = await OtlpReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(Policies.Standard, o => o.Otlp = new OtlpExportOptions
        {
            Endpoint = collector.EndpointFor(protocol),
            Protocol = protocol,
            MetricInterval = TimeSpan.FromMilliseconds(100),
            LogDelay = TimeSpan.FromMilliseconds(50),
        });
        await using var stream = await server.OpenStreamAsync();
        var deny = Events.Bash("rm -rf /");
        var withSecret = Events.Bash($"curl -H \"Authorization: token {Secret}\" https://api.example.com/user");
        await stream.DecideAsync(deny);
        await stream.DecideAsync(withSecret);
        await stream.ReadUntilStoredAsync(deny.EventId, withSecret.EventId);

        var denied = await collector.Logs.FirstAsync(r => Text(r, "event_id") == deny.EventId, "log record of the denied event");
        var redacted = await collector.Logs.FirstAsync(r => Text(r, "event_id") == withSecret.EventId, "log record of the event with a secret");

        // The fields are those of events --json for the stored event, and the body is its line.
        var stored = (await AuditTrail.QueryEventsAsync(Path.GetDirectoryName(server.Server.DatabasePath)!, new EventFilter(Session: deny.SessionId))).Items
            .Single(e => e.EventId == deny.EventId);
        using var line = JsonDocument.Parse(JsonSerializer.Serialize(stored, AuditJson.Default.EventView));
        var expected = line.RootElement.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null && p.Name != "stored_at")
            .ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.Array ? string.Join(",", p.Value.EnumerateArray()) : p.Value.ToString());
        foreach (var (key, value) in expected)
        {
            Assert.True(Attributes(denied).TryGetValue(key, out var exported), $"field {key} is missing from the log record");
            Assert.Equal(value, exported);
        }
        Assert.Equal("deny", Text(denied, "decision"));
        Assert.Equal("remote", Text(denied, "source"));
        Assert.Equal(deny.EventId, JsonDocument.Parse(denied.Body.StringValue).RootElement.GetProperty("event_id").GetString());

        // Exported after redaction, as events --json shows it: the secret is in neither the fields nor the body.
        Assert.Contains("api.example.com", Text(redacted, "tool_input"));
        Assert.DoesNotContain(Secret, Text(redacted, "tool_input"));
        Assert.DoesNotContain(Secret, redacted.Body.StringValue);

        var decisions = await collector.Metrics.FirstAsync(
            m => m.Name == "hookline.decisions" && m.Sum?.DataPoints.Any(p => p.AsInt >= 1 && Attributes(p.Attributes)["effect"] == "deny") == true,
            "the hookline.decisions metric counting the denial");
        Assert.Equal("Decisions the server made, by verdict.", decisions.Description);
    }

    private static string? Text(LogRecord record, string key) => Attributes(record).GetValueOrDefault(key);

    private static Dictionary<string, string> Attributes(LogRecord record) => Attributes(record.Attributes);

    private static Dictionary<string, string> Attributes(IEnumerable<KeyValue> attributes) => attributes.ToDictionary(
        a => a.Key,
        a => a.Value.ValueCase switch
        {
            AnyValue.ValueOneofCase.StringValue => a.Value.StringValue,
            AnyValue.ValueOneofCase.IntValue => a.Value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            AnyValue.ValueOneofCase.BoolValue => a.Value.BoolValue ? "True" : "False",
            AnyValue.ValueOneofCase.ArrayValue => string.Join(",", a.Value.ArrayValue.Values.Select(v => v.StringValue)),
            _ => a.Value.ToString(),
        });
}
