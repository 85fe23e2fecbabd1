using Hookline.Contracts.V1;
using Hookline.Server.Internal.Decisions;
using Hookline.Server.Internal;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Server.Tests;

/// <summary>
/// A long-running server holds the policy state of live sessions only: a silent session's stored state leaves memory
/// after the idle timeout and comes back, intact, when the session does.
/// </summary>
public sealed class SessionStateDropTests : IAsyncLifetime
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly TempDir _dir = new();
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(_dir, SessionStateTests.Policy, o =>
    {
        o.TimeProvider = _time;
        o.SessionIdleTimeout = IdleTimeout;
        o.HttpListen = "http://127.0.0.1:0";
    });

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    private SessionTracker Tracker => _server.Service<SessionTracker>();

    /// <summary>Past the idle timeout, then one sweep (the tracker's own timer may sweep too: same outcome).</summary>
    private void GoSilent()
    {
        _time.Advance(IdleTimeout + TimeSpan.FromSeconds(1));
        Tracker.Sweep();
    }

    [Fact]
    public async Task A_silent_sessions_state_is_dropped_and_reloaded_intact_when_it_comes_back()
    {
        var session = Guid.NewGuid().ToString();
        await SessionStateTests.TaintAndExhaustAsync(_server, session);
        Assert.True(Tracker.HoldsState(session));

        GoSilent();

        Assert.False(Tracker.HoldsState(session));
        Assert.Equal(1, Tracker.DroppedStateCount);
        var metrics = await MetricsAsync();
        Assert.Contains("hookline_session_states 0", metrics);
        Assert.Contains("hookline_session_states_dropped_total 1", metrics);

        // Back without a stream or a resume first: the unary decision loads the stored state before deciding.
        var curl = await _server.Client.DecideOnceAsync(Events.Bash("curl https://example.com", session));
        Assert.Equal((Verdict.Deny, "taint"), (curl.Verdict, curl.ReasonCode));
        Assert.True(Tracker.HoldsState(session));

        // That denial is stored behind an event sent after it (the audit trail keeps order); then dropped again.
        await using (var stream = await _server.OpenStreamAsync(session))
        {
            var pwd = Events.Bash("pwd", session);
            await stream.DecideAsync(pwd);
            await stream.ReadUntilStoredAsync(pwd.EventId);
        }
        GoSilent();
        Assert.False(Tracker.HoldsState(session));
        // Over a stream this time: taint and rate window both survive.
        await SessionStateTests.AssertStillTaintedAndLimitedAsync(_server, session);
    }

    [Fact]
    public async Task A_session_with_an_open_stream_or_unsaved_state_is_kept()
    {
        var streaming = Guid.NewGuid().ToString();
        await using var stream = await _server.OpenStreamAsync(streaming);
        var read = Events.Tool("Read", new { file_path = "/tmp/project/.env" }, streaming);
        Assert.Equal(Verdict.Allow, (await stream.DecideAsync(read)).Verdict);
        await stream.ReadUntilStoredAsync(read.EventId);

        // A change no stored event carries yet (as while its batch is being written, or after it failed).
        var unsaved = Guid.NewGuid().ToString();
        (await Tracker.StateOfAsync(unsaved)).AddTaint("secrets");

        GoSilent();

        Assert.True(Tracker.HoldsState(streaming));
        Assert.True(Tracker.HoldsState(unsaved));
        Assert.Equal(0, Tracker.DroppedStateCount);
        var curl = await stream.DecideAsync(Events.Bash("curl https://example.com", streaming));
        Assert.Equal((Verdict.Deny, "taint"), (curl.Verdict, curl.ReasonCode));
        var unsavedCurl = await _server.Client.DecideOnceAsync(Events.Bash("curl https://example.com", unsaved));
        Assert.Equal((Verdict.Deny, "taint"), (unsavedCurl.Verdict, unsavedCurl.ReasonCode));
    }

    private async Task<string[]> MetricsAsync()
    {
        using var http = new HttpClient { Timeout = Bound.Hang };
        using var response = await http.GetAsync(new Uri(new Uri(_server.Server.HttpAddress!), "/metrics"));
        return (await response.Content.ReadAsStringAsync()).Split('\n');
    }
}
