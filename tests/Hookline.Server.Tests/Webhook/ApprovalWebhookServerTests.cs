using System.Text.Json;
using Hookline.Contracts.V1;
using Hookline.Core;
using Hookline.Server.Internal.Approvals;
using Microsoft.Extensions.Time.Testing;
using static Hookline.Server.Tests.ApprovalSupport;

namespace Hookline.Server.Tests.Webhook;

/// <summary>
/// The webhook on a real server (Kestrel, SQLite, the real desk, a raw gRPC stream as the sidecar) and a receiver on
/// loopback: an approval given while the receiver is down still resolves the waiting hook; answers are single use and
/// refused after expiry, and each outcome is announced once the receiver takes it; a receiver that holds every notice
/// delays no decision and no answer.
/// </summary>
public sealed class ApprovalWebhookServerTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    [Fact]
    public async Task An_approval_given_while_the_receiver_is_down_resolves_the_hook_and_is_announced_once_it_is_up()
    {
        var port = Ports.Free();
        await using var server = await StartAsync(new Uri($"http://127.0.0.1:{port}/hook"));
        var sender = server.Service<WebhookSender>();
        var session = Guid.NewGuid().ToString();
        await using var stream = await OpenAsync(server, session);

        var pending = await PendingAsync(stream, Deploy(session));
        await Eventually.TrueAsync(() => sender.FailedAttempts >= 1, "the pending notice refused (the receiver is down)");
        var answer = await AnswerAsync(server, pending.ApprovalId, approve: true);
        var resolved = await ResolvedAsync(stream);

        // The approval never waited for the webhook.
        Assert.Equal(AnswerOutcome.Answered, answer.Outcome);
        Assert.Equal(Verdict.Allow, resolved.Verdict);

        await using var receiver = await WebhookReceiver.StartAsync(port);
        await ApprovalWebhookTests.AdvanceUntilAsync(_time, () => sender.Delivered == 1 && sender.Abandoned == 1, "the resolved notice delivered, the stale pending one dropped");
        var notice = await receiver.Requests.FirstAsync(_ => true, "the resolved notice");
        Assert.Equal("approval.resolved", notice.Event);
        Assert.True(ApprovalWebhookTests.Verifies(notice, ApprovalWebhookTests.Secret));
        var approval = JsonDocument.Parse(notice.Body).RootElement.GetProperty("approval");
        Assert.Equal((pending.ApprovalId, "approved", "alice", "cli"), (approval.GetProperty("id").GetString(),
            approval.GetProperty("status").GetString(), approval.GetProperty("answered_by").GetString(), approval.GetProperty("channel").GetString()));
        Assert.Equal(1, receiver.Count);
    }

    [Fact]
    public async Task Answers_are_single_use_and_refused_after_expiry_and_every_outcome_is_announced()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await StartAsync(receiver.Url);
        var session = Guid.NewGuid().ToString();
        await using var stream = await OpenAsync(server, session);

        var first = await PendingAsync(stream, Deploy(session, "app.yaml"));
        var pendingNotice = await receiver.Requests.FirstAsync(r => r.Event == "approval.pending" && r.Text.Contains(first.ApprovalId, StringComparison.Ordinal), "the first pending notice");
        var answered = await AnswerAsync(server, first.ApprovalId, approve: true);
        var again = await AnswerAsync(server, first.ApprovalId, approve: false, reason: "too late");
        await ResolvedAsync(stream);

        var second = await PendingAsync(stream, Deploy(session, "other.yaml"));
        await receiver.Requests.FirstAsync(r => r.Event == "approval.pending" && r.Text.Contains(second.ApprovalId, StringComparison.Ordinal), "the second pending notice");
        _time.Advance(TimeSpan.FromMilliseconds(WaitMs + 1));
        var timedOut = await ResolvedAsync(stream);
        var late = await AnswerAsync(server, second.ApprovalId, approve: true);

        Assert.Equal(AnswerOutcome.Answered, answered.Outcome);
        Assert.Equal(AnswerOutcome.AlreadyResolved, again.Outcome);
        Assert.True(timedOut.TimedOut);
        Assert.Equal(AnswerOutcome.Expired, late.Outcome);
        using (var body = JsonDocument.Parse(pendingNotice.Body))
        {
            Assert.Equal($"https://hookline.example.com/approvals/{first.ApprovalId}", body.RootElement.GetProperty("link").GetString());
            Assert.Equal("kubectl apply -f app.yaml --context prod", body.RootElement.GetProperty("approval").GetProperty("subject").GetString());
        }
        var approved = await receiver.Requests.FirstAsync(r => r.Event == "approval.resolved" && r.Text.Contains(first.ApprovalId, StringComparison.Ordinal), "the approved notice");
        var expired = await receiver.Requests.FirstAsync(r => r.Event == "approval.resolved" && r.Text.Contains(second.ApprovalId, StringComparison.Ordinal), "the timed-out notice");
        Assert.Contains("\"status\":\"approved\"", approved.Text);
        Assert.Contains("\"status\":\"timed_out\"", expired.Text);
        // One notice per event of an approval: the refused answers announced nothing.
        await Eventually.TrueAsync(() => server.Service<WebhookSender>().Delivered == 4, "four notices delivered");
        Assert.Equal(4, receiver.Count);
    }

    [Fact]
    public async Task A_receiver_that_holds_every_notice_delays_no_decision_and_no_answer()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // An attempt may take longer than any test bound: were a decision to wait for the webhook, this test would time out.
        await using var server = await StartAsync(receiver.Url, TimeSpan.FromMinutes(5));
        var session = Guid.NewGuid().ToString();
        await using var stream = await OpenAsync(server, session);

        var first = await PendingAsync(stream, Deploy(session, "app.yaml"));
        await receiver.Requests.FirstAsync(_ => true, "the first notice, held by the receiver");
        var answer = await AnswerAsync(server, first.ApprovalId, approve: false, reason: "not now");
        var resolved = await ResolvedAsync(stream);
        var second = await PendingAsync(stream, Deploy(session, "other.yaml"));
        var allowed = await stream.DecideAsync(Events.Bash("ls", session));

        Assert.Equal(AnswerOutcome.Answered, answer.Outcome);
        Assert.Equal(Verdict.Deny, resolved.Verdict);
        Assert.NotEqual(first.ApprovalId, second.ApprovalId);
        Assert.Equal(Verdict.Allow, allowed.Verdict);
        receiver.Hold.SetResult();
        await Eventually.TrueAsync(() => server.Service<WebhookSender>().Delivered == 3, "the held notices delivered once released");
    }

    [Fact]
    public async Task The_link_in_a_notice_opens_the_request_page_through_the_dashboard()
    {
        var httpPort = Ports.Free();
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(ApprovalSupport.Policy, o =>
        {
            o.TimeProvider = _time;
            o.HttpListen = $"http://127.0.0.1:{httpPort}";
            o.ApprovalWebhook = ApprovalWebhookTests.Options(receiver.Url) with { PublicUrl = new Uri($"http://127.0.0.1:{httpPort}") };
        });
        var session = Guid.NewGuid().ToString();
        await using var stream = await OpenAsync(server, session);

        var pending = await PendingAsync(stream, Deploy(session));
        var notice = await receiver.Requests.FirstAsync(_ => true, "the pending notice");
        var link = JsonDocument.Parse(notice.Body).RootElement.GetProperty("link").GetString()!;
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Bound.Hang };
        using var opened = await http.GetAsync(link);

        // Opening the link answers nothing: it leads to the request's page, which requires sign-in where tokens are on.
        Assert.Equal($"http://127.0.0.1:{httpPort}/approvals/{pending.ApprovalId}", link);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, opened.StatusCode);
        Assert.Equal($"/ui/approvals/{pending.ApprovalId}?via=link", opened.Headers.Location?.OriginalString);
        Assert.Equal(ApprovalProtocol.StatusPending, (await Desk(server).FindAsync(null, pending.ApprovalId, default))!.Status);
    }

    private Task<TestServer> StartAsync(Uri receiver, TimeSpan? attemptTimeout = null) => TestServer.StartAsync(ApprovalSupport.Policy, o =>
    {
        o.TimeProvider = _time;
        o.ApprovalWebhook = ApprovalWebhookTests.Options(receiver) with { AttemptTimeout = attemptTimeout ?? TimeSpan.FromSeconds(10) };
    });
}
