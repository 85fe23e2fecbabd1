using Hookline.Server.Internal.Auth;
using Microsoft.AspNetCore.Http;

namespace Hookline.Server.Internal.Decisions;

/// <summary>
/// <c>POST /v1/policy</c>: the body is a policy document. It is validated, stored as a new epoch with who applied
/// it, and pushed to every stream of every replica. 200 "epoch N"; 400 with the errors; 409 without a shared store.
/// </summary>
internal static class PolicyApplyEndpoint
{
    private const int MaxDocumentBytes = 1024 * 1024;

    /// <summary>What the client says about itself; recorded only as "claimed", beside the authenticated caller.</summary>
    public const string ClientUserHeader = "x-hookline-client-user";

    public static async Task HandleAsync(HttpContext context, PolicyHolder policy)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        if (context.Request.ContentLength > MaxDocumentBytes)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await context.Response.WriteAsync($"a policy document may be at most {MaxDocumentBytes} bytes\n").ConfigureAwait(false);
            return;
        }
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        var appliedBy = Attribution.Of(HttpAuthorization.CallerOf(context), context.Request.Headers[ClientUserHeader].ToString());
        var (epoch, errors) = policy.Apply(text, appliedBy);
        if (errors.Count > 0)
        {
            context.Response.StatusCode = policy.Shared ? StatusCodes.Status400BadRequest : StatusCodes.Status409Conflict;
            await context.Response.WriteAsync(string.Join('\n', errors) + "\n").ConfigureAwait(false);
            return;
        }
        await context.Response.WriteAsync($"epoch {epoch} by {appliedBy}\n").ConfigureAwait(false);
    }
}
