using System.Text.Json;
using Hookline.Core;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.ReadApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Server.Internal.Approvals;

/// <summary>
/// Approvals over the HTTP API (docs/approvals.md, "Where people answer"): <c>GET /api/approvals</c> and
/// <c>/api/approvals/{id}</c> (scope approve or read, limited to the caller's org like the read API), and
/// <c>POST /api/approvals/{id}/approve</c> and <c>/deny</c> (scope approve), which answer through the
/// <see cref="IApprovalDesk"/>. What <c>hookline approvals</c> calls. The POSTs pass the browser guards like every
/// write, and a dashboard sign-in's cookie never answers (it only reads): a page in the user's browser cannot approve.
/// </summary>
internal static class ApprovalEndpoints
{
    public const string ListPath = "/api/approvals";

    private const int MaxBodyBytes = 16 * 1024;

    /// <summary>Maps the endpoints when the server has a desk.</summary>
    public static void MapApprovalEndpoints(this WebApplication app)
    {
        if (app.Services.GetService<IApprovalDesk>() is not { } desk)
        {
            return;
        }
        // With authentication off the one person who reaches the API is the local user: the answer is recorded as theirs.
        var localUser = Environment.UserName;
        app.MapGet(ListPath, context => ReadApiEndpoints.Guarded(context, async aborted =>
        {
            var q = context.Request.Query;
            var approvals = await desk.ListAsync(ReadApiEndpoints.ReadOrg(context), Status(q["status"]), ReadApiEndpoints.Limit(q, 100), aborted)
                .ConfigureAwait(false);
            await ReadApiEndpoints.Json(context, approvals.ToList(), ApprovalJsonContext.Default.ListApprovalView).ConfigureAwait(false);
        })).RequireScope(TokenScope.Approve, or: TokenScope.Read);
        app.MapGet(ListPath + "/{id}", context => ReadApiEndpoints.Guarded(context, async aborted =>
            await (await desk.FindAsync(ReadApiEndpoints.ReadOrg(context), ReadApiEndpoints.Route(context, "id"), aborted).ConfigureAwait(false) is { } view
                ? ReadApiEndpoints.Json(context, view, ApprovalJsonContext.Default.ApprovalView)
                : ReadApiEndpoints.NotFound(context, "no such approval")).ConfigureAwait(false)))
            .RequireScope(TokenScope.Approve, or: TokenScope.Read);
        app.MapPost(ListPath + "/{id}/approve", context => AnswerAsync(context, desk, localUser, approve: true)).RequireScope(TokenScope.Approve);
        app.MapPost(ListPath + "/{id}/deny", context => AnswerAsync(context, desk, localUser, approve: false)).RequireScope(TokenScope.Approve);
    }

    /// <summary><c>status=pending</c> (the default), <c>all</c>, or one status.</summary>
    private static string? Status(string? status) => status switch
    {
        null or "" or ApprovalProtocol.StatusPending => ApprovalProtocol.StatusPending,
        "all" => null,
        ApprovalProtocol.StatusApproved or ApprovalProtocol.StatusDenied or ApprovalProtocol.StatusTimedOut => status,
        _ => throw new FormatException("status: expected pending, all, approved, denied or timed_out"),
    };

    private static async Task AnswerAsync(HttpContext context, IApprovalDesk desk, string localUser, bool approve)
    {
        var aborted = context.RequestAborted;
        ApprovalAnswerRequest request;
        try
        {
            request = await ReadRequestAsync(context).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await ReadApiEndpoints.Json(context, new ApiError(ex.Message), AuditJson.Default.ApiError).ConfigureAwait(false);
            return;
        }
        var id = ReadApiEndpoints.Route(context, "id");
        // The org check first, whatever the desk answers next: another org's approval is "not found", even one
        // already resolved, so its ids cannot be probed.
        AnswerResult result = await desk.FindAsync(ReadApiEndpoints.ReadOrg(context), id, aborted).ConfigureAwait(false) is null
            ? new AnswerResult(AnswerOutcome.NotFound, "no such approval", null)
            : await desk.AnswerAsync(Approver.Of(HttpAuthorization.CallerOf(context), localUser), id, approve,
                string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim(),
                request.Channel == ApprovalProtocol.ChannelCli ? ApprovalProtocol.ChannelCli : ApprovalProtocol.ChannelApi, aborted).ConfigureAwait(false);
        context.Response.StatusCode = StatusOf(result.Outcome);
        await ReadApiEndpoints.Json(context, result.ToView(), ApprovalJsonContext.Default.ApprovalAnswerView).ConfigureAwait(false);
    }

    /// <summary>The body, or an empty request when there is none (an approve needs no reason).</summary>
    private static async Task<ApprovalAnswerRequest> ReadRequestAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            throw new JsonException($"request body larger than {MaxBodyBytes} bytes");
        }
        if (context.Request.ContentLength == 0)
        {
            return new ApprovalAnswerRequest(null);
        }
        using var limited = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
        {
            if (limited.Length + read > MaxBodyBytes)
            {
                throw new JsonException($"request body larger than {MaxBodyBytes} bytes");
            }
            limited.Write(buffer, 0, read);
        }
        return limited.Length == 0 ? new ApprovalAnswerRequest(null)
            : JsonSerializer.Deserialize(limited.GetBuffer().AsSpan(0, (int)limited.Length), ApprovalJsonContext.Default.ApprovalAnswerRequest)
                ?? throw new JsonException("expected {\"reason\": \"...\"}");
    }

    public static int StatusOf(AnswerOutcome outcome) => outcome switch
    {
        AnswerOutcome.Answered => StatusCodes.Status200OK,
        AnswerOutcome.NotFound => StatusCodes.Status404NotFound,
        AnswerOutcome.AlreadyResolved or AnswerOutcome.Expired => StatusCodes.Status409Conflict,
        AnswerOutcome.NotAllowed or AnswerOutcome.SelfApproval => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status422UnprocessableEntity,
    };
}
