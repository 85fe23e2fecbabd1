using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hookline.Core;
using Hookline.Server.Internal.Approvals;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Server.Tests.Webhook;

/// <summary>
/// The approval webhook's sender against a receiver on loopback (a second Kestrel), driven by a desk that raises
/// Changed: signature, delivery ids across retries, a receiver down at first, the Slack body's escaping and redaction,
/// capture none, and a slow or full receiver that never holds the desk.
/// </summary>
public sealed class ApprovalWebhookTests
{
    internal static readonly byte[] Secret = Encoding.UTF8.GetBytes("webhook-secret-0123456789");

    [Fact]
    public async Task A_pending_approval_is_posted_once_signed_with_the_secret_and_linking_to_its_page()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var desk = new FakeApprovalDesk(time);
        using var sender = await StartAsync(desk, Options(receiver.Url), time);
        var approval = Pending(desk);
        desk.Echo(approval.Id); // a folded request or another replica raises Changed again: still one notice
        var notice = await receiver.Requests.FirstAsync(_ => true, "the pending notice");

        Assert.True(Verifies(notice, Secret), "the signature verifies with the secret");
        Assert.False(Verifies(notice, Encoding.UTF8.GetBytes("another-secret")), "the signature fails with another secret");
        Assert.False(Verifies(notice with { Body = [.. notice.Body, (byte)' '] }, Secret), "the signature fails for another body");
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), Field(notice.Signature, "t"));
        Assert.True(Guid.TryParse(notice.DeliveryId, out _), notice.DeliveryId);
        Assert.Equal("approval.pending", notice.Event);
        Assert.StartsWith("application/json", notice.ContentType);

        using var body = JsonDocument.Parse(notice.Body);
        Assert.Equal("approval.pending", body.RootElement.GetProperty("event").GetString());
        Assert.Equal($"https://hookline.example.com/approvals/{approval.Id}", body.RootElement.GetProperty("link").GetString());
        var shown = body.RootElement.GetProperty("approval");
        Assert.Equal(approval.Id, shown.GetProperty("id").GetString());
        Assert.Equal(approval.Subject, shown.GetProperty("subject").GetString());
        Assert.Equal("prod-deploys", shown.GetProperty("rule_id").GetString());
        Assert.Equal("group:sre", shown.GetProperty("approvers")[0].GetString());
        Assert.Equal("pending", shown.GetProperty("status").GetString());

        await Eventually.TrueAsync(() => sender.Delivered == 1, "the delivery counted");
        Assert.Equal(1, receiver.Count);
    }

    [Fact]
    public async Task A_failing_receiver_gets_the_same_delivery_id_and_body_on_every_retry_until_it_takes_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = n => n <= 2 ? 500 : 200;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var desk = new FakeApprovalDesk(time);
        using var sender = await StartAsync(desk, Options(receiver.Url), time);

        Pending(desk);
        await AdvanceUntilAsync(time, () => sender.Delivered == 1, "delivery after two 500s");

        var attempts = new List<ReceivedNotice>();
        for (var n = 1; n <= 3; n++)
        {
            attempts.Add(await receiver.Requests.FirstAsync(r => r.Number == n, $"attempt {n}"));
        }
        Assert.Single(attempts.Select(a => a.DeliveryId).Distinct());
        Assert.Single(attempts.Select(a => a.Text).Distinct());
        Assert.All(attempts, a => Assert.True(Verifies(a, Secret), "each retry is signed"));
        Assert.Equal(2, sender.FailedAttempts);
        Assert.Equal(3, receiver.Count);
    }

    [Fact]
    public async Task A_receiver_that_is_down_at_first_gets_the_notice_once_it_is_up()
    {
        var port = Ports.Free();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var desk = new FakeApprovalDesk(time);
        using var sender = await StartAsync(desk, Options(new Uri($"http://127.0.0.1:{port}/hook")), time);
        var approval = Pending(desk);
        await Eventually.TrueAsync(() => sender.FailedAttempts >= 1, "a refused connection");
        await using var receiver = await WebhookReceiver.StartAsync(port);
        await AdvanceUntilAsync(time, () => sender.Delivered == 1, "delivery once the receiver is up");

        var notice = await receiver.Requests.FirstAsync(_ => true, "the notice");
        Assert.Contains(approval.Id, notice.Text);
        Assert.True(Verifies(notice, Secret));
    }

    [Fact]
    public async Task The_slack_body_escapes_a_hostile_subject_carries_it_redacted_and_links_only_to_the_request()
    {
        const string token = "ghp_WebhookSecret0123456789abcdefABCDEF";
        var hostile = $"echo <!channel> <https://evil.example|click> & *bold* @here ``` {token}";
        await using var receiver = await WebhookReceiver.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var desk = new FakeApprovalDesk(time);
        using var sender = await StartAsync(desk, Options(receiver.Url, ApprovalWebhookFormat.Slack), time);
        var approval = Pending(desk, hostile, user: "<@U0123|mallory>");
        var notice = await receiver.Requests.FirstAsync(_ => true, "the Slack notice");

        Assert.DoesNotContain(token, notice.Text);
        using var body = JsonDocument.Parse(notice.Body);
        var texts = MrkdwnTexts(body.RootElement).ToList();
        var all = string.Join("\n", texts);
        Assert.Contains(Redactor.Marker("github-token"), all);
        // Slack's control characters are escaped: no mention, no link other than the request's, no broken-out code.
        Assert.DoesNotContain("<!channel>", all);
        Assert.DoesNotContain("<https://evil", all);
        Assert.DoesNotContain("<@U0123", all);
        Assert.DoesNotContain("@here", all);
        Assert.Contains("&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; *bold* @\u2060here", all);
        var subject = texts.Single(t => t.Contains("*bold*", StringComparison.Ordinal));
        Assert.StartsWith("```\n", subject);
        Assert.EndsWith("\n```", subject);
        Assert.Equal(2, subject.Split("```").Length - 1);
        var link = $"https://hookline.example.com/approvals/{approval.Id}";
        Assert.Equal([$"<{link}|open the request>"], Links(all));
        Assert.Equal(link, body.RootElement.GetProperty("blocks").EnumerateArray()
            .Single(b => b.GetProperty("type").GetString() == "actions").GetProperty("elements")[0].GetProperty("url").GetString());
    }

    [Theory]
    [InlineData(ApprovalWebhookFormat.Generic)]
    [InlineData(ApprovalWebhookFormat.Slack)]
    public async Task With_capture_none_no_subject_leaves_the_server(ApprovalWebhookFormat format)
    {
        const string command = "kubectl delete namespace payments --context prod";
        await using var receiver = await WebhookReceiver.StartAsync();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var desk = new FakeApprovalDesk(time);
        using var sender = await StartAsync(desk, Options(receiver.Url, format), time, CaptureMode.None);

        Pending(desk, command);
        var notice = await receiver.Requests.FirstAsync(_ => true, "the notice");

        Assert.DoesNotContain("payments", notice.Text);
        Assert.Contains("prod-deploys", notice.Text);
        if (format == ApprovalWebhookFormat.Generic)
        {
            Assert.Equal("", JsonDocument.Parse(notice.Body).RootElement.GetProperty("approval").GetProperty("subject").GetString());
        }
    }

    [Fact]
    public async Task A_slow_receiver_never_holds_the_desk_and_a_full_queue_drops_the_oldest()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var desk = new FakeApprovalDesk(time);
        using var sender = await StartAsync(desk, Options(receiver.Url) with { QueueCapacity = 2, Concurrency = 1 }, time);
        var first = Pending(desk);
        await receiver.Requests.FirstAsync(_ => true, "the first notice, held by the receiver");

        // The receiver holds the only worker: raising returns at once, the queue keeps the two newest.
        var later = await Task.Run(() => Enumerable.Range(0, 4).Select(_ => Pending(desk)).ToList())
            .WaitAsync(Bound.Hang); // Changed handlers return while the receiver is stuck
        Assert.Equal(2, sender.Dropped);

        receiver.Hold.SetResult();
        await Eventually.TrueAsync(() => sender.Delivered == 3, "the held notice and the two kept ones delivered");
        foreach (var kept in later.Skip(2).Append(first))
        {
            await receiver.Requests.FirstAsync(r => r.Text.Contains(kept.Id, StringComparison.Ordinal), "a kept notice");
        }
        Assert.Equal(3, receiver.Count);
    }

    [Fact]
    public async Task A_resolution_is_announced_and_stops_the_retries_of_its_pending_notice()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = n => n == 1 ? 503 : 200;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var desk = new FakeApprovalDesk(time);
        using var sender = await StartAsync(desk, Options(receiver.Url) with { Concurrency = 2 }, time);
        var approval = Pending(desk);
        await Eventually.TrueAsync(() => sender.FailedAttempts == 1, "the pending notice refused once");
        var answer = await desk.AnswerAsync(new Approver("alice", [], "", Authenticated: false), approval.Id, approve: true, "looks fine", "cli", CancellationToken.None);
        Assert.Equal(AnswerOutcome.Answered, answer.Outcome);
        var resolved = await receiver.Requests.FirstAsync(r => r.Event == "approval.resolved", "the resolved notice");
        await AdvanceUntilAsync(time, () => sender.Abandoned == 1, "the pending notice given up");

        using var body = JsonDocument.Parse(resolved.Body);
        Assert.Equal("approved", body.RootElement.GetProperty("approval").GetProperty("status").GetString());
        Assert.Equal("alice", body.RootElement.GetProperty("approval").GetProperty("answered_by").GetString());
        var pending = await receiver.Requests.FirstAsync(r => r.Number == 1, "the pending notice");
        Assert.NotEqual(pending.DeliveryId, resolved.DeliveryId);
        Assert.Equal(2, receiver.Count);
    }

    [Fact]
    public async Task A_redirect_is_not_followed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Status = _ => 307;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var desk = new FakeApprovalDesk(time);
        using var sender = await StartAsync(desk, Options(receiver.Url), time);

        Pending(desk);
        await Eventually.TrueAsync(() => sender.Abandoned == 1, "the notice given up on a redirect");

        Assert.Equal(1, receiver.Count);
        Assert.Equal("/hook", (await receiver.Requests.FirstAsync(_ => true, "the notice")).Path);
    }

    internal static ApprovalWebhookOptions Options(Uri url, ApprovalWebhookFormat format = ApprovalWebhookFormat.Generic) => new()
    {
        Url = url,
        Secret = Secret,
        Format = format,
        PublicUrl = new Uri("https://hookline.example.com/"),
        MinRetryDelay = TimeSpan.FromSeconds(1),
        MaxRetryDelay = TimeSpan.FromSeconds(2),
    };

    /// <summary>A pending approval on the desk (Changed raised), open for an hour: retries never reach its expiry by accident.</summary>
    private static ApprovalView Pending(FakeApprovalDesk desk, string subject = "kubectl apply -f deploy.yaml --context prod", string user = "dev")
        => desk.Add(subject, user: user, by: ["group:sre"], timeout: TimeSpan.FromHours(1));

    private static async Task<WebhookSender> StartAsync(IApprovalDesk desk, ApprovalWebhookOptions options, TimeProvider time, CaptureMode capture = CaptureMode.Redacted)
    {
        options.Validate();
        var sender = new WebhookSender(desk, options, new EventCapture(capture), time, NullLogger<WebhookSender>.Instance);
        await sender.StartAsync(CancellationToken.None);
        return sender;
    }

    /// <summary>Moves fake time on (a second a step) until <paramref name="done"/>: each retry's backoff elapses.</summary>
    internal static Task AdvanceUntilAsync(FakeTimeProvider time, Func<bool> done, string what) => Eventually.TrueAsync(() =>
    {
        if (done())
        {
            return true;
        }
        time.Advance(TimeSpan.FromSeconds(1));
        return false;
    }, what);

    /// <summary>What a receiver does (docs/approvals.md): HMAC-SHA256 over t + "." + body, compared in constant time.</summary>
    internal static bool Verifies(ReceivedNotice notice, byte[] secret)
    {
        var t = Field(notice.Signature, "t");
        var v1 = Field(notice.Signature, "v1");
        if (t is null || v1 is null)
        {
            return false;
        }
        byte[] signed = [.. Encoding.ASCII.GetBytes(t + "."), .. notice.Body];
        var expected = HMACSHA256.HashData(secret, signed);
        return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(v1));
    }

    private static string? Field(string header, string name) => header.Split(',')
        .Select(part => part.Split('=', 2)).Where(kv => kv.Length == 2 && kv[0] == name).Select(kv => kv[1]).FirstOrDefault();

    private static IEnumerable<string> MrkdwnTexts(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name == "text" && property.Value.ValueKind == JsonValueKind.String
                    && (!element.TryGetProperty("type", out var type) || type.GetString() == "mrkdwn"))
                {
                    yield return property.Value.GetString()!;
                }
                foreach (var inner in MrkdwnTexts(property.Value))
                {
                    yield return inner;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var inner in element.EnumerateArray().SelectMany(MrkdwnTexts))
            {
                yield return inner;
            }
        }
    }

    private static List<string> Links(string mrkdwn) => [.. System.Text.RegularExpressions.Regex.Matches(mrkdwn, "<[^<>]*>").Select(m => m.Value)];
}
