using System.Net;
using System.Net.Http.Json;
using Hookline.Server;

namespace Hookline.Cli.Clients;

/// <summary>A refusal from the server's token endpoints, with its status.</summary>
internal sealed class TokenApiException(string message) : Exception(message);

/// <summary>The token admin endpoints of a running server (<c>/api/tokens</c> on its HTTP endpoint).</summary>
internal sealed class TokenApiClient : IDisposable
{
    private readonly HttpClient _http;

    public TokenApiClient(string baseUrl, string? token, Core.ClientTls tls)
    {
        _http = tls.CreateHttpClient(new Uri(baseUrl.TrimEnd('/') + "/"), TimeSpan.FromSeconds(30));
        HooklineHttp.MarkAsClient(_http.DefaultRequestHeaders);
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
    }

    public async Task<CreatedToken> CreateAsync(TokenRequest request)
    {
        using var response = await _http.PostAsJsonAsync("api/tokens", request, TokenJsonContext.Default.TokenRequest);
        await EnsureAsync(response);
        return (await response.Content.ReadFromJsonAsync(TokenJsonContext.Default.CreatedToken))!;
    }

    public async Task<IReadOnlyList<TokenInfo>> ListAsync()
    {
        using var response = await _http.GetAsync("api/tokens");
        await EnsureAsync(response);
        return (await response.Content.ReadFromJsonAsync(TokenJsonContext.Default.ListTokenInfo))!;
    }

    public async Task<TokenInfo?> RevokeAsync(string idOrName)
    {
        using var response = await _http.DeleteAsync("api/tokens/" + Uri.EscapeDataString(idOrName));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureAsync(response);
        return await response.Content.ReadFromJsonAsync(TokenJsonContext.Default.TokenInfo);
    }

    private static async Task EnsureAsync(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = (await response.Content.ReadAsStringAsync()).Trim();
            throw new TokenApiException($"the server answered {(int)response.StatusCode} {response.ReasonPhrase}: {body}");
        }
    }

    public void Dispose() => _http.Dispose();
}
