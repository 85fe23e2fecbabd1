using Microsoft.AspNetCore.Http;

namespace Hookline.Server.Internal;

/// <summary>
/// <c>POST /v1/policy</c>: the body is a policy document. It is validated, stored as a new epoch with who applied
/// it, and pushed to every stream of every replica. 200 "epoch N"; 400 with the errors; 409 without a shared store.
/// </summary>
internal static class PolicyApplyEndpoint
{
    private const int MaxDocumentBytes = 1024 * 1024;

    /// <summary>What the client says about itself; recorded only beside the authenticated name, never instead of it.</summary>
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
        var (epoch, errors) = policy.Apply(text, AppliedBy(context));
        if (errors.Count > 0)
        {
            context.Response.StatusCode = policy.Shared ? StatusCodes.Status400BadRequest : StatusCodes.Status409Conflict;
            await context.Response.WriteAsync(string.Join('\n', errors) + "\n").ConfigureAwait(false);
            return;
        }
        await context.Response.WriteAsync($"epoch {epoch}\n").ConfigureAwait(false);
    }

    /// <summary>The authenticated name (the token's name) when there is one; otherwise "unknown", with the client's claim.</summary>
    private static string AppliedBy(HttpContext context)
    {
        var name = context.User.Identity?.IsAuthenticated == true ? context.User.Identity.Name : null;
        if (!string.IsNullOrEmpty(name))
        {
            return name;
        }
        var claimed = context.Request.Headers[ClientUserHeader].ToString();
        return claimed.Length == 0 ? "unknown" : $"unknown (client user {claimed[..Math.Min(claimed.Length, 64)]})";
    }
}
