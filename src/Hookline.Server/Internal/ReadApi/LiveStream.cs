using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Hookline.Server.Internal.ReadApi;

/// <summary>
/// <c>/api/live</c>: stored events as server-sent events, one <c>data:</c> line of event JSON each. A comment every
/// 15 s keeps proxies from closing an idle feed. A client that fell behind gets <c>event: dropped</c> and is closed.
/// </summary>
internal static class LiveStream
{
    public static async Task ServeAsync(HttpContext context, LiveFeed feed, EventFilter filter, string? org)
    {
        var response = context.Response;
        EventStream.Begin(response);
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
            await EventStream.PumpAsync(response, subscriber.Reader, Frame, aborted).ConfigureAwait(false);
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

    // JSON has no raw newlines (they are escaped), so one data line carries the whole event.
    private static byte[] Frame(EventView view) => EventStream.Frame(null, JsonSerializer.SerializeToUtf8Bytes(view, AuditJson.Default.EventView));
}
