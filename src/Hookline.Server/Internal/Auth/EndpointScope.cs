using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Hookline.Server.Internal.Auth;

/// <summary>
/// The scope an HTTP endpoint needs, as endpoint metadata: routing decides the endpoint, then the check reads it.
/// <see cref="Or"/>: a second scope that will do instead (the approvals list: approve or read).
/// </summary>
internal sealed record RequiredScopeMetadata(TokenScope Scope, TokenScope? Or = null);

/// <summary>An HTTP endpoint anyone may call (load-balancer health, the sign-in form and its assets).</summary>
internal sealed class OpenAccessMetadata
{
    public static readonly OpenAccessMetadata Instance = new();
}

/// <summary>
/// Scope checks from what routing matched, not from the path as typed: <c>/API/TOKENS</c> routes to the token
/// list (routing ignores case), so it carries that endpoint's admin requirement whatever the spelling.
/// </summary>
internal static class EndpointScope
{
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, TokenScope scope) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new RequiredScopeMetadata(scope));

    /// <summary>Either scope will do.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, TokenScope scope, TokenScope or) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(new RequiredScopeMetadata(scope, or));

    public static TBuilder AllowWithoutToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(OpenAccessMetadata.Instance);

    /// <summary>
    /// The endpoint's own requirement; without one, <c>read</c> for GET and HEAD and <c>admin</c> for anything that
    /// changes something. A request no endpoint matched needs the same (it ends in 404 once authorized).
    /// </summary>
    public static TokenScope Required(HttpContext context)
        => context.GetEndpoint()?.Metadata.GetMetadata<RequiredScopeMetadata>()?.Scope
            ?? (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) ? TokenScope.Read : TokenScope.Admin);

    /// <summary>The scope that will do instead of <see cref="Required"/>, if the endpoint names one.</summary>
    public static TokenScope? Alternative(HttpContext context) => context.GetEndpoint()?.Metadata.GetMetadata<RequiredScopeMetadata>()?.Or;

    public static bool IsOpen(HttpContext context)
        => context.GetEndpoint()?.Metadata.GetMetadata<OpenAccessMetadata>() is not null;
}
