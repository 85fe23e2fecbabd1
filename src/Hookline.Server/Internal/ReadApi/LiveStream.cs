using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Hookline.Server.Internal.ReadApi;

/// <summary>
/// <c>/api/live</c>: stored events as server-sent events, one <c>data:</c> line of event JSON each. A comment every
/// 15 s keeps proxies from closing an idle feed. A client that fell behind gets <c>event: dropped</c> and is closed.
/// </summary>
internal static class LiveStream
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly byte[] Ping = ": ping\n\n"u8.ToArray();

    public static async Task ServeAsync(HttpContext context, LiveFeed feed, EventFilter filter, string? org)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        using var subscriber = feed.Subscribe(filter, org);
        var aborted = context.RequestAborted;
        try
        {
            try
            {
                // On a replica, "ready" also promises the other replicas' events; bounded, as the feed is best effort.
                await feed.ReplicasHeard.WaitAsync(TimeSpan.FromSeconds(10), aborted).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
            // Tells the client the subscription is in place: events stored from now on will reach it.
            await response.Body.WriteAsync("event: ready\ndata: {}\n\n"u8.ToArray(), aborted).ConfigureAwait(false);
            await response.Body.FlushAsync(aborted).ConfigureAwait(false);
            var reader = subscriber.Reader;
            while (true)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                wait.CancelAfter(KeepAlive);
                bool more;
                try
                {
                    more = await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    await response.Body.WriteAsync(Ping, aborted).ConfigureAwait(false);
                    await response.Body.FlushAsync(aborted).ConfigureAwait(false);
                    continue;
                }
                if (!more)
                {
                    break;
                }
                while (reader.TryRead(out var view))
                {
                    await response.Body.WriteAsync(Frame(view), aborted).ConfigureAwait(false);
                }
                await response.Body.FlushAsync(aborted).ConfigureAwait(false);
            }
            if (subscriber.Dropped)
            {
                await response.Body.WriteAsync("event: dropped\ndata: {}\n\n"u8.ToArray(), aborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }
        catch (IOException) when (aborted.IsCancellationRequested)
        {
        }
    }

    private static byte[] Frame(EventView view)
    {
        // JSON has no raw newlines (they are escaped), so one data line carries the whole event.
        var json = JsonSerializer.SerializeToUtf8Bytes(view, AuditJson.Default.EventView);
        var frame = new byte[json.Length + 8];
        Encoding.ASCII.GetBytes("data: ", frame);
        json.CopyTo(frame, 6);
        frame[^2] = (byte)'\n';
        frame[^1] = (byte)'\n';
        return frame;
    }
}
