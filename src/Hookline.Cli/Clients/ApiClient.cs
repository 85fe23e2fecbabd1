using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json.Serialization.Metadata;
using Hookline.Server;

namespace Hookline.Cli.Clients;

/// <summary>The read API of a running server, for the commands that take <c>--server</c>.</summary>
internal sealed class ApiClient : IDisposable
{
    public const string DefaultUrl = "http://127.0.0.1:7421";
    private readonly HttpClient _http;

    /// <param name="token">The bearer token (<c>--token-file</c>, <c>--token</c>); null: <c>$HOOKLINE_TOKEN</c>, if set.</param>
    public ApiClient(string baseUrl, Core.ClientTls tls, TimeSpan? timeout = null, string? token = null)
    {
        if (!Uri.TryCreate(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"--server: expected the server's HTTP base URL such as {DefaultUrl}, got '{baseUrl}'");
        }
        _http = tls.CreateHttpClient(uri, timeout ?? TimeSpan.FromSeconds(30));
        HooklineHttp.MarkAsClient(_http.DefaultRequestHeaders);
        // A server with tokens on wants a read token: taken from the environment, so it stays off command lines.
        if ((token ?? Environment.GetEnvironmentVariable("HOOKLINE_TOKEN")) is { Length: > 0 } bearer)
        {
            _http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }
    }

    public static Option<string?> ServerOption(bool required = false) => new("--server")
    {
        Description = $"Base URL of a running server's HTTP/1.1 port (its --http-listen), e.g. {DefaultUrl}" +
            (required ? "" : "; reads the server's read API instead of --data") + "; a server with tokens on needs $HOOKLINE_TOKEN (scope read)",
    };

    public HttpClient Http => _http;

    public async Task<T> GetAsync<T>(string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(path, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var error = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException($"{_http.BaseAddress}{path}: {(int)response.StatusCode} {error.Trim()}");
        }
        return (await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>POSTs <paramref name="value"/> as JSON; the status and body, whatever the status (the caller reads refusals).</summary>
    public async Task<(System.Net.HttpStatusCode Status, string Body)> PostAsync<T>(string path, T value, JsonTypeInfo<T> type,
        CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync(path, value, type, cancellationToken).ConfigureAwait(false);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Pages through <c>/api/events</c> with the filter; at most <paramref name="limit"/> events.</summary>
    public async Task<List<EventView>> EventsAsync(EventFilter filter, int limit, bool oldestFirst, CancellationToken cancellationToken)
        => (await EventsPageAsync(filter, limit, oldestFirst, cancellationToken).ConfigureAwait(false)).Events;

    /// <summary>As <see cref="EventsAsync"/>, and whether more events match beyond <paramref name="limit"/>.</summary>
    public async Task<(List<EventView> Events, bool More)> EventsPageAsync(EventFilter filter, int limit, bool oldestFirst, CancellationToken cancellationToken)
    {
        var events = new List<EventView>();
        string? cursor = null;
        do
        {
            var query = filter.ToQuery();
            var path = $"api/events?limit={Math.Min(1000, limit - events.Count)}{(query.Length > 0 ? "&" + query : "")}" +
                (oldestFirst ? "&order=asc" : "") + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var page = await GetAsync(path, AuditJson.Default.EventPage, cancellationToken).ConfigureAwait(false);
            events.AddRange(page.Items);
            cursor = page.Next;
        }
        while (cursor is not null && events.Count < limit);
        return (events, cursor is not null);
    }

    public async Task<List<SessionView>> SessionsAsync(CancellationToken cancellationToken)
    {
        var sessions = new List<SessionView>();
        string? cursor = null;
        do
        {
            var page = await GetAsync("api/sessions?limit=1000" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)),
                AuditJson.Default.SessionPage, cancellationToken).ConfigureAwait(false);
            sessions.AddRange(page.Items);
            cursor = page.Next;
        }
        while (cursor is not null);
        return sessions;
    }

    public void Dispose() => _http.Dispose();
}
