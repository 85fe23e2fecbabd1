using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hookline.Core;
using Hookline.Server.Internal.Approvals;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.ReadApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;

namespace Hookline.Server.Internal.Ui;

/// <summary>
/// <c>POST /ui/approvals/{id}/approve</c> and <c>/deny</c>: the approvals pages' answers, <c>{"reason": ..., "channel":
/// "dashboard" | "link"}</c> as JSON, answered with an <see cref="ApprovalAnswerView"/>. What guards them, in order:
/// the forgery check (a JSON body, which no page elsewhere can send without a preflight, and this server's own Origin);
/// a signed-in browser's CSRF token (<see cref="DashboardSessions"/>); and, for a signed-in browser, the session's
/// answer key (<see cref="DashboardSession.AnswerKey"/>), which the sign-in handed to this origin's script alone: the
/// session cookie can leak to another local user's server (browsers send it to every port), and with it any page's
/// CSRF token, but not the answer key. Then the desk decides who may answer, once.
/// </summary>
internal static class DashboardApprovalAnswers
{
    public const string AnswerKeyHeader = "X-Hookline-Answer-Key";
    public const int MaxReasonLength = 1000;
    private const long MaxBodyBytes = 16 * 1024;

    public static void Map(IEndpointRouteBuilder app, IApprovalDesk? desk)
    {
        foreach (var (verb, approve) in new[] { ("approve", true), ("deny", false) })
        {
            // Read will do at the door, so a signed-in browser's cookie reaches the handler, which asks for more (MayAnswer).
            app.MapPost(DashboardApprovals.PagePath + "/{id}/" + verb, context => AnswerAsync(context, desk, approve))
                .RequireScope(TokenScope.Approve, or: TokenScope.Read);
        }
    }

    private static async Task AnswerAsync(HttpContext context, IApprovalDesk? desk, bool approve)
    {
        var caller = HttpAuthorization.CallerOf(context);
        if (desk is null)
        {
            await ReplyAsync(context, StatusCodes.Status404NotFound, AnswerOutcome.NotFound, "approvals are not available on this server").ConfigureAwait(false);
            return;
        }
        if (DashboardSessions.Of(context) is { } session && !HoldsAnswerKey(context.Request, session))
        {
            await ReplyAsync(context, StatusCodes.Status403Forbidden, AnswerOutcome.NotAllowed,
                "this browser holds no answer key for its sign-in (it is given at sign-in, to this page's script only): sign in again here to answer").ConfigureAwait(false);
            return;
        }
        if (!MayAnswer(caller))
        {
            await ReplyAsync(context, StatusCodes.Status403Forbidden, AnswerOutcome.NotAllowed,
                "this sign-in's token lacks the approve scope: sign in with one that has it to answer approvals").ConfigureAwait(false);
            return;
        }
        ApprovalAnswerRequest? request;
        try
        {
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = MaxBodyBytes;
            }
            request = await JsonSerializer.DeserializeAsync(context.Request.Body, ApprovalJsonContext.Default.ApprovalAnswerRequest, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or BadHttpRequestException)
        {
            request = null;
        }
        if (request is null || request.Reason?.Length > MaxReasonLength)
        {
            await ReplyAsync(context, StatusCodes.Status400BadRequest, AnswerOutcome.ReasonRequired,
                $"expected {{\"reason\": \"...\"}} as JSON, with a reason of at most {MaxReasonLength} characters").ConfigureAwait(false);
            return;
        }
        // The page says whether it was reached through the webhook's link; anything else is the dashboard.
        var channel = request.Channel == ApprovalProtocol.ChannelLink ? ApprovalProtocol.ChannelLink : ApprovalProtocol.ChannelDashboard;
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim();
        var id = ReadApiEndpoints.Route(context, "id");
        // Another org's approval is not found, whatever the desk would say of it (as on the API).
        var result = await desk.FindAsync(ReadApiEndpoints.ReadOrg(context), id, context.RequestAborted).ConfigureAwait(false) is null
            ? new AnswerResult(AnswerOutcome.NotFound, "no such approval", null)
            : await desk.AnswerAsync(Approver.Of(caller, Environment.UserName), id, approve, reason, channel, context.RequestAborted).ConfigureAwait(false);
        context.Response.StatusCode = ApprovalEndpoints.StatusOf(result.Outcome);
        await context.Response.WriteAsJsonAsync(result.ToView(), ApprovalJsonContext.Default.ApprovalAnswerView, cancellationToken: context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>The approve scope (a signed-in read token only looks), or this run's own credential: the local user.</summary>
    private static bool MayAnswer(Caller caller) => caller.Has(TokenScope.Approve) || caller.IsRunCredential;

    private static bool HoldsAnswerKey(HttpRequest request, DashboardSession session)
        => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(request.Headers[AnswerKeyHeader].ToString()), Encoding.UTF8.GetBytes(session.AnswerKey));

    private static Task ReplyAsync(HttpContext context, int status, AnswerOutcome outcome, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new AnswerResult(outcome, message, null).ToView(), ApprovalJsonContext.Default.ApprovalAnswerView, cancellationToken: context.RequestAborted);
    }
}
