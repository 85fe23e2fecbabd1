using System.Net.Http.Headers;

namespace Hookline.Server;

/// <summary>What a client of the server's HTTP API sends so that its writes pass the server's forgery check.</summary>
public static class HooklineHttp
{
    /// <summary>
    /// A header a web page cannot send to another origin without a CORS preflight (which the server never grants):
    /// its presence tells a write from a forged cross-site one. Every Hookline client sends it.
    /// </summary>
    public const string RequestHeader = "X-Hookline-Request";

    /// <summary>The media type of a policy document sent to <see cref="HooklineServer.PolicyApplyPath"/>.</summary>
    public const string PolicyMediaType = "application/yaml";

    /// <summary>Marks every request of a client as coming from a Hookline client rather than a web page.</summary>
    public static void MarkAsClient(HttpRequestHeaders headers) => headers.Add(RequestHeader, "1");
}
