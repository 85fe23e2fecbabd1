using System.Text.Json;
using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Core;

namespace Hookline.Server.Tests;

/// <summary>
/// Every view of the audit trail masks at least what storage under <c>redacted</c> masks, whatever the capture mode:
/// a real server on loopback stores the secret corpus, and the read API and the dashboard are read over HTTP.
/// </summary>
public abstract class ReadApiRedactionTests : BackendSuite
{
    private const string PemSecret = "MIIEowIBAAKCAQEAviewPemKeyMaterial0123456789";
    private const string JwtSecret = "ViewJwtSignature0123456789abcdefXYZ";
    private const string UrlSecret = "viewUrlPassw0rd42";

    private static readonly string ViewCommand =
        $"echo \"-----BEGIN RSA PRIVATE KEY-----\n{PemSecret}\n-----END RSA PRIVATE KEY-----\" > k.pem; " +
        $"curl -H \"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ2aWV3LXRlc3QtdXNlciJ9.{JwtSecret}\" https://alice:{UrlSecret}@api.example.com/";

    [SkippableTheory]
    [InlineData(CaptureMode.Full)]
    [InlineData(CaptureMode.Redacted)]
    public async Task No_view_shows_a_secret_that_storage_masks(CaptureMode mode)
    {
        var server = await StartAsync(o => o.Capture = new EventCapture(mode));
        using var http = ReadApiTests.Http(server);
        var session = await server.Client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude", User = "alice" });
        var events = new List<HookEvent> { WithOutput(Events.Bash(ViewCommand, session.SessionId, decisionWanted: false)) };
        events.AddRange(SecretCorpus.Commands.Select(c => WithOutput(Events.Bash(c.Command, session.SessionId, decisionWanted: false))));
        events.AddRange(SecretCorpus.Documents.Select(d => Document(d.Json, session.SessionId)));
        await using (var stream = await server.OpenStreamAsync(session.SessionId))
        {
            foreach (var e in events)
            {
                await stream.SendAsync(e);
            }

            await stream.ReadUntilStoredAsync([.. events.Select(e => e.EventId)]);
        }

        var bodies = new List<(string Path, string Body)>();
        foreach (var path in new[] { $"/api/events?session={session.SessionId}&limit=1000", $"/ui/sessions/{session.SessionId}" }
                     .Concat(events.SelectMany(e => new[] { $"/api/events/{e.EventId}", $"/api/events/{e.EventId}/raw" })))
        {
            using var response = await http.GetAsync(path);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
            bodies.Add((path, body));
        }

        var secrets = SecretCorpus.AllSecrets.Concat([PemSecret, JwtSecret, UrlSecret]).SelectMany(SecretCorpus.Needles).Distinct().ToArray();
        var leaks = (from b in bodies
                     from secret in secrets
                     where b.Body.Contains(secret, StringComparison.Ordinal) || Unescape(b.Body).Contains(secret, StringComparison.Ordinal)
                     select $"{b.Path} shows '{secret}'").ToList();
        Assert.True(leaks.Count == 0, $"{mode}: {leaks.Count} leaks:\n{string.Join("\n", leaks)}");

        // The views still show the rest of what was stored.
        var raw = await ReadApiTests.GetAsync(http, $"/api/events/{events[0].EventId}/raw", AuditJson.Default.RawEventView);
        Assert.Contains(Redactor.Marker("private-key"), raw.ToolInput);
        Assert.Contains("api.example.com", raw.ToolInput);
    }

    [SkippableFact]
    public async Task A_redacted_payload_larger_than_the_cap_is_stored_redacted_cut_and_marked()
    {
        var server = await StartAsync(o => o.Capture = new EventCapture(CaptureMode.Redacted, MaxBytes: 4096));
        using var http = ReadApiTests.Http(server);
        var session = await server.Client.CreateSessionAsync(new CreateSessionRequest { Agent = "claude", User = "alice" });
        var token = "ghp_" + new string('T', 16) + "CappedTokenTail0123456789";
        var command = new string('x', 4096 - 40) + " " + token + " " + new string('y', 200_000);
        var e = Events.Bash(command, session.SessionId, decisionWanted: false);
        await using (var stream = await server.OpenStreamAsync(session.SessionId))
        {
            await stream.SendAsync(e);
            await stream.ReadUntilStoredAsync(e.EventId);
        }

        var raw = await ReadApiTests.GetAsync(http, $"/api/events/{e.EventId}/raw", AuditJson.Default.RawEventView);
        Assert.True(raw.Truncated);
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(raw.ToolInput!) <= 4096, $"{raw.ToolInput!.Length} bytes stored");
        Assert.EndsWith(Redactor.TruncationMarker, raw.ToolInput);
        Assert.DoesNotContain("ghp_TTTT", raw.ToolInput);
    }

    private static HookEvent WithOutput(HookEvent e)
    {
        e.ToolResponse = ByteString.CopyFromUtf8(JsonSerializer.Serialize(new { stdout = SecretCorpus.ToolOutput, stderr = "" }));
        e.Prompt = SecretCorpus.Prompt;
        return e;
    }

    private static HookEvent Document(string json, string sessionId)
    {
        var e = Events.Tool("Write", new { }, sessionId, decisionWanted: false);
        e.ToolInput = ByteString.CopyFromUtf8(json);
        e.RawInput = ByteString.CopyFromUtf8(json);
        return e;
    }

    /// <summary>JSON-escaped text as it reads (a secret split by \" or \u002B escapes is found too).</summary>
    private static string Unescape(string body) =>
        body.Replace("\\\\", "\\").Replace("\\\"", "\"").Replace("\\n", "\n").Replace("\\u002B", "+").Replace("\\u0026", "&").Replace("\\u0027", "'");
}

public sealed class SqliteReadApiRedactionTests : ReadApiRedactionTests
{
    internal override Task<TestDatabase?> CreateDatabaseAsync() => Task.FromResult<TestDatabase?>(null);
}

public sealed class PostgresReadApiRedactionTests : ReadApiRedactionTests
{
    internal override async Task<TestDatabase?> CreateDatabaseAsync() => await TestDatabase.CreateAsync();
}
