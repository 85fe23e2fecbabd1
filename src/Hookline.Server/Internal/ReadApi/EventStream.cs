using System.Text;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace Hookline.Server.Internal.ReadApi;

/// <summary>
/// Server-sent events as the live feeds write them (<c>/api/live</c>, the approvals page): one <c>data:</c> line of
/// JSON per message, and a comment every 15 s while idle so that proxies keep the connection open.
/// </summary>
internal static class EventStream
{
    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);
    private static readonly byte[] Ping = ": ping\n\n"u8.ToArray();

    public static void Begin(HttpResponse response)
    {
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Accel-Buffering"] = "no";
    }

    /// <summary>One message: <c>event: NAME</c> when named, then the JSON (which has no raw newlines) on one data line.</summary>
    public static byte[] Frame(string? name, byte[] json)
    {
        var head = Encoding.ASCII.GetBytes((name is null ? "" : "event: " + name + "\n") + "data: ");
        var frame = new byte[head.Length + json.Length + 2];
        head.CopyTo(frame, 0);
        json.CopyTo(frame, head.Length);
        frame[^2] = (byte)'\n';
        frame[^1] = (byte)'\n';
        return frame;
    }

    public static async Task WriteAsync(HttpResponse response, byte[] frame, CancellationToken cancellation)
    {
        await response.Body.WriteAsync(frame, cancellation).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellation).ConfigureAwait(false);
    }

    /// <summary>Writes what <paramref name="reader"/> yields until it completes; the caller stops it by the request's abort.</summary>
    public static async Task PumpAsync<T>(HttpResponse response, ChannelReader<T> reader, Func<T, byte[]> frame, CancellationToken aborted)
    {
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
                await WriteAsync(response, Ping, aborted).ConfigureAwait(false);
                continue;
            }
            if (!more)
            {
                return;
            }
            while (reader.TryRead(out var item))
            {
                await response.Body.WriteAsync(frame(item), aborted).ConfigureAwait(false);
            }
            await response.Body.FlushAsync(aborted).ConfigureAwait(false);
        }
    }
}
