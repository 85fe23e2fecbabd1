using System.Text.Json;
using System.Threading.Channels;
using Hookline.Core;
using Hookline.Server.Internal.Approvals;
using Hookline.Server.Internal.ReadApi;
using Microsoft.AspNetCore.Http;

namespace Hookline.Server.Internal.Ui;

/// <summary>
/// <c>/ui/approvals/live</c>: the approvals page's feed, as server-sent events. First <c>event: snapshot</c> with the
/// pending approvals as they stand once the subscription is in place (the page drops rows no longer pending), then
/// one <c>data:</c> line per approval created or resolved (<see cref="IApprovalDesk.Changed"/>), of the caller's org
/// only. A client that falls behind gets <c>event: dropped</c> and reconnects to a new snapshot.
/// </summary>
internal static class ApprovalStream
{
    public const int QueueSize = 256;

    public static async Task ServeAsync(HttpContext context, IApprovalDesk desk, string? org)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        var changes = Channel.CreateBounded<ApprovalView>(new BoundedChannelOptions(QueueSize) { SingleReader = true });
        var dropped = false;
        // Raised on the desk's thread: never wait there.
        void OnChanged(ApprovalView view)
        {
            if ((org is null || view.Org == org) && !changes.Writer.TryWrite(view))
            {
                dropped = true;
                changes.Writer.TryComplete();
            }
        }
        desk.Changed += OnChanged;
        try
        {
            EventStream.Begin(response);
            var pending = await desk.ListAsync(org, ApprovalProtocol.StatusPending, Storage.AuditReader.MaxPage, aborted).ConfigureAwait(false);
            var snapshot = JsonSerializer.SerializeToUtf8Bytes(pending.ToList(), ApprovalJsonContext.Default.ListApprovalView);
            await EventStream.WriteAsync(response, EventStream.Frame("snapshot", snapshot), aborted).ConfigureAwait(false);
            await EventStream.PumpAsync(response, changes.Reader,
                view => EventStream.Frame(null, JsonSerializer.SerializeToUtf8Bytes(view, ApprovalJsonContext.Default.ApprovalView)), aborted).ConfigureAwait(false);
            if (dropped)
            {
                await EventStream.WriteAsync(response, "event: dropped\ndata: {}\n\n"u8.ToArray(), aborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
        }
        catch (IOException) when (aborted.IsCancellationRequested)
        {
        }
        finally
        {
            desk.Changed -= OnChanged;
        }
    }
}
