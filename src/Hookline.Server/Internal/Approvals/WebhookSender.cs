using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Hookline.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Approvals;

/// <summary>
/// The outgoing approval webhook. The desk's <see cref="IApprovalDesk.Changed"/> only queues a notice (bounded: when
/// full the oldest is dropped, counted and logged), so an approval never waits for the receiver. A few workers send
/// each notice, signed, and retry it with backoff until its approval expires (a resolved one: for
/// <see cref="ResolvedRetryWindow"/>); a pending notice stops once its approval is resolved. Redirects are not followed.
/// </summary>
internal sealed class WebhookSender : IHostedService, IDisposable
{
    /// <summary>How long a notice that an approval was resolved is retried.</summary>
    internal static readonly TimeSpan ResolvedRetryWindow = TimeSpan.FromMinutes(2);

    private readonly IApprovalDesk _desk;
    private readonly ApprovalWebhookOptions _options;
    private readonly EventCapture _capture;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly HttpClient _http;
    private readonly Channel<(ApprovalView Approval, string Event)> _queue;
    // Which notices were queued and which approvals resolved (bounded), under their own lock.
    private readonly Policy.RecentKeys _queued = new(4096);
    private readonly Policy.RecentKeys _resolved = new(4096);
    private readonly CancellationTokenSource _stopping = new();
    private Task[] _workers = [];
    private long _dropped;
    private long _delivered;
    private long _failedAttempts;
    private long _abandoned;

    public WebhookSender(IApprovalDesk desk, ApprovalWebhookOptions options, EventCapture capture, TimeProvider time,
        ILogger<WebhookSender> logger, HttpMessageHandler? handler = null)
    {
        (_desk, _options, _capture, _time, _logger) = (desk, options, capture, time, logger);
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            // A redirect could carry the signed body elsewhere: a 3xx is a failure, never followed.
            AllowAutoRedirect = false,
            ConnectTimeout = options.ConnectTimeout,
            UseCookies = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        }) { Timeout = options.AttemptTimeout };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("Hookline-Webhook", "1"));
        _queue = Channel.CreateBounded<(ApprovalView, string)>(
            new BoundedChannelOptions(options.QueueCapacity) { FullMode = BoundedChannelFullMode.DropOldest },
            dropped => WebhookLog.Dropped(_logger, dropped.Item2, dropped.Item1.Id, Interlocked.Increment(ref _dropped)));
    }

    /// <summary>Notices dropped because the queue was full.</summary>
    internal long Dropped => Interlocked.Read(ref _dropped);

    internal long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Attempts that failed (and were retried or given up).</summary>
    internal long FailedAttempts => Interlocked.Read(ref _failedAttempts);

    /// <summary>Notices given up: expired, resolved meanwhile, or refused by the receiver.</summary>
    internal long Abandoned => Interlocked.Read(ref _abandoned);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _desk.Changed += OnChanged;
        _workers = [.. Enumerable.Range(0, _options.Concurrency).Select(_ => Task.Run(() => WorkAsync(_stopping.Token)))];
        WebhookLog.Started(_logger, _options.Format.ToString().ToLowerInvariant(), ApprovalWebhookOptions.Shown(_options.Url),
            _options.PublicUrl is { } link ? $", linking to {link.AbsoluteUri.TrimEnd('/')}/approvals/ID" : " (no --public-url: no links)");
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _desk.Changed -= OnChanged;
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_workers).WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _desk.Changed -= OnChanged;
        // Not disposed: a worker that is still winding down may yet read its token.
        _stopping.Cancel();
        _http.Dispose();
    }

    /// <summary>Runs on the desk's path: only queues, never waits.</summary>
    private void OnChanged(ApprovalView approval)
    {
        var pending = approval.Status == ApprovalProtocol.StatusPending;
        var eventName = pending ? WebhookDelivery.PendingEvent : WebhookDelivery.ResolvedEvent;
        bool first;
        lock (_queued)
        {
            if (!pending)
            {
                _resolved.Add(approval.Id);
            }
            // One notice per event of an approval: a folded request or a replica's echo raises Changed again.
            first = _queued.Add(eventName + "\0" + approval.Id);
        }
        if (first && (pending || _options.SendResolved))
        {
            _queue.Writer.TryWrite((approval, eventName));
        }
    }

    private async Task WorkAsync(CancellationToken stopping)
    {
        try
        {
            await foreach (var (approval, eventName) in _queue.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    await DeliverAsync(approval, eventName, stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                {
                    WebhookLog.Failed(_logger, ex, eventName, approval.Id);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(ApprovalView approval, string eventName, CancellationToken stopping)
    {
        var pending = eventName == WebhookDelivery.PendingEvent;
        var giveUpAt = pending ? approval.ExpiresAt : (approval.AnsweredAt ?? _time.GetUtcNow()) + ResolvedRetryWindow;
        var delivery = WebhookDelivery.Of(approval, eventName, _options, _capture);
        for (var attempt = 1; ; attempt++)
        {
            var stop = _time.GetUtcNow() >= giveUpAt ? "the approval expired before it could be delivered"
                : pending && Resolved(approval.Id) ? "the approval was resolved before it could be delivered"
                : null;
            if (stop is not null)
            {
                GiveUp(delivery, stop);
                return;
            }
            var (delivered, problem, retry) = await AttemptAsync(delivery, stopping).ConfigureAwait(false);
            if (delivered)
            {
                Interlocked.Increment(ref _delivered);
                WebhookLog.Delivered(_logger, delivery.Id, delivery.Event, delivery.ApprovalId, attempt);
                return;
            }
            Interlocked.Increment(ref _failedAttempts);
            var delay = Backoff.Delay(attempt, _options.MinRetryDelay, _options.MaxRetryDelay, Random.Shared.NextDouble());
            if (!retry || _time.GetUtcNow() + delay >= giveUpAt)
            {
                GiveUp(delivery, retry ? problem + "; the approval expires before the next attempt" : problem);
                return;
            }
            WebhookLog.Retrying(_logger, delivery.Id, delivery.Event, delivery.ApprovalId, problem, (long)delay.TotalMilliseconds);
            await Task.Delay(delay, _time, stopping).ConfigureAwait(false);
        }
    }

    private bool Resolved(string approvalId)
    {
        lock (_queued)
        {
            return _resolved.Contains(approvalId);
        }
    }

    private void GiveUp(WebhookDelivery delivery, string problem)
    {
        Interlocked.Increment(ref _abandoned);
        WebhookLog.GaveUp(_logger, delivery.Id, delivery.Event, delivery.ApprovalId, problem);
    }

    /// <summary>One signed POST. A connection failure, a timeout, 408, 429 or 5xx is retried; any other answer is final.</summary>
    private async Task<(bool Delivered, string Problem, bool Retry)> AttemptAsync(WebhookDelivery delivery, CancellationToken stopping)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.Url) { Content = new ByteArrayContent(delivery.Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        // Signed at each attempt: t is when this attempt was sent, so a receiver's freshness window holds for retries.
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header,
            WebhookSignature.Sign(_options.Secret, _time.GetUtcNow().ToUnixTimeSeconds(), delivery.Body));
        request.Headers.TryAddWithoutValidation(WebhookDelivery.IdHeader, delivery.Id);
        request.Headers.TryAddWithoutValidation(WebhookDelivery.EventHeader, delivery.Event);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stopping).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            return status switch
            {
                >= 200 and < 300 => (true, "", false),
                >= 300 and < 400 => (false, $"the receiver answered {status} (a redirect, not followed: point --approval-webhook at the final URL)", false),
                (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500 => (false, $"the receiver answered {status}", true),
                _ => (false, $"the receiver refused the notice ({status})", false),
            };
        }
        catch (HttpRequestException ex)
        {
            return (false, ex.Message, true);
        }
        catch (TaskCanceledException) when (!stopping.IsCancellationRequested)
        {
            return (false, $"no answer within {_options.AttemptTimeout.TotalSeconds:0.#} s", true);
        }
    }
}
