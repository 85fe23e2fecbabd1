using System.Diagnostics;
using System.Net;
using Hookline.Testing.Fuzz;
using Hookline.Server;
using Xunit.Abstractions;

namespace Hookline.Sidecar.Tests;

/// <summary>
/// The fuzz suite's HTTP-hook entry point: the corpus, then generated hostile bodies, posted to a real sidecar's
/// Kestrel endpoint (fail mode open) in front of a real server and its SQLite audit trail. Every request is answered
/// 200 within the hook budget, the unreadable corpus cases are denied, and every accepted hook is stored.
/// </summary>
public sealed class HttpHookFuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly HttpClient _http = new() { Timeout = FuzzRun.AnswerBudget };
    private HooklineServer _server = null!;
    private HooklineSidecar _sidecar = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(_dir);
        // The default budget: answers are timed against the hook's own wait, as an agent would see them.
        _sidecar = await _server.StartSidecarAsync(_dir, options =>
        {
            options.FailMode = SidecarFailMode.Open;
            options.Budget = new SidecarOptions().Budget;
        });
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _sidecar.DisposeAsync();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>Claude's HTTP hooks are named like its command hooks; anything else is posted to PreToolUse.</summary>
    private static string EventOf(HookInput input) =>
        input.Event.Length is > 0 and <= 64 && input.Event.All(c => c is (>= 'a' and <= 'z') or '-') ? input.Event : "pre-tool-use";

    [Fact]
    public async Task Hostile_http_hook_bodies_are_each_answered_and_every_accepted_hook_is_stored()
    {
        var run = new FuzzRun(output, "http hook", defaultSeconds: 20);
        long posted = 0, blocking = 0, malformedDenied = 0;

        async Task PostAsync(HookInput input)
        {
            var hookEvent = EventOf(input);
            using var request = new HttpRequestMessage(HttpMethod.Post, _sidecar.HttpHookUrl + hookEvent) { Content = new ByteArrayContent(input.Stdin) };
            request.Headers.Add(HooklineSidecar.HttpSecretHeader, _sidecar.HttpHookSecret);
            var started = Stopwatch.GetTimestamp();
            using var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            run.Answered(Stopwatch.GetElapsedTime(started), $"{input.Origin} to {hookEvent}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{input.Origin} to {hookEvent}: {(int)response.StatusCode} (seed {run.Seed})");
            posted++;
            var isBlocking = HookInput.IsBlocking("claude", hookEvent);
            blocking += isBlocking ? 1 : 0;
            if (isBlocking && hookEvent == "pre-tool-use" && input.Origin is var origin && origin.StartsWith("corpus:", StringComparison.Ordinal)
                && (origin.Contains("surrogate", StringComparison.Ordinal) || origin.Contains("utf8", StringComparison.Ordinal))
                && !origin.Contains("tool-response", StringComparison.Ordinal))
            {
                Assert.True(HookClient.PermissionDecisionOf(body) == "deny", $"{origin} was not denied: {body}");
                malformedDenied++;
            }
        }

        foreach (var input in HostileInputs.CorpusInputs().Where(i => i.Agent == "claude"))
        {
            await PostAsync(input);
        }
        for (var round = 0; run.TimeLeft; round++)
        {
            foreach (var input in HostileInputs.Batch(HostileInputs.Any(), run.Seed, round, 32))
            {
                await PostAsync(input);
            }
        }

        Assert.True(await _sidecar.FlushAsync(TimeSpan.FromSeconds(60)), "the sidecar did not get its events stored");
        var stored = long.Parse(Assert.Single(await _server.RowsAsync($"SELECT COUNT(*) FROM events WHERE session_id = '{_sidecar.SessionId}'")),
            System.Globalization.CultureInfo.InvariantCulture);
        var after = await HookClient.SendAsync(_sidecar.SocketPath, "claude", "pre-tool-use", HookClient.Bash("rm -rf /tmp/x"));
        run.Report(("posted", posted), ("answered 200", posted), ("blocking", blocking), ("corpus unreadable denied", malformedDenied), ("stored", stored));
        Assert.Equal(posted, stored);
        Assert.Equal("deny", after.PermissionDecision);
    }
}
