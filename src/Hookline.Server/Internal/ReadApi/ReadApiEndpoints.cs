using System.Globalization;
using System.Text.Json.Serialization.Metadata;
using System.Text.Json;
using DiffPlex.DiffBuilder.Model;
using DiffPlex.DiffBuilder;
using DiffPlex;
using Hookline.Server.Internal.Decisions;
using Hookline.Server.Internal.Metrics;
using Hookline.Server.Internal.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Server.Internal.ReadApi;

/// <summary>
/// The read API under <c>/api</c> on the HTTP/1.1 port: events, sessions, policy epochs, rule hits, health and the
/// live feed. JSON from <see cref="AuditJson"/>. RequestDelegate handlers only (no reflection, Native AOT).
/// </summary>
internal static class ReadApiEndpoints
{
    public const int HealthWindowSeconds = 60;

    public static void Map(IEndpointRouteBuilder app)
    {
        var services = app.ServiceProvider;
        var queries = services.GetRequiredService<IAuditReader>();
        var policy = services.GetRequiredService<PolicyHolder>();
        var sessions = services.GetRequiredService<SessionTracker>();
        var metrics = services.GetRequiredService<ServerMetrics>();
        var feed = services.GetRequiredService<LiveFeed>();
        var time = services.GetRequiredService<TimeProvider>();

        app.MapGet("/api/events", context => Guarded(context, async aborted =>
        {
            var q = context.Request.Query;
            var page = await queries.EventsAsync(EventFilter.Parse(Get(q), time), ReadOrg(context), q["cursor"], Limit(q, 100), q["order"] == "asc", aborted).ConfigureAwait(false);
            await Json(context, page, AuditJson.Default.EventPage).ConfigureAwait(false);
        }));
        app.MapGet("/api/events/{id}", context => Guarded(context, async aborted =>
            await (await queries.EventAsync(Route(context, "id"), ReadOrg(context), aborted).ConfigureAwait(false) is { } view
                ? Json(context, view, AuditJson.Default.EventView) : NotFound(context, "no such event")).ConfigureAwait(false)));
        app.MapGet("/api/events/{id}/raw", context => Guarded(context, async aborted =>
            await (await queries.RawAsync(Route(context, "id"), ReadOrg(context), aborted).ConfigureAwait(false) is { } raw
                ? Json(context, raw, AuditJson.Default.RawEventView) : NotFound(context, "no such event")).ConfigureAwait(false)));
        app.MapGet("/api/sessions", context => Guarded(context, async aborted =>
        {
            var q = context.Request.Query;
            var page = await queries.SessionsAsync(ParseSessionFilter(q, time), ReadOrg(context), q["cursor"], Limit(q, 100), aborted).ConfigureAwait(false);
            await Json(context, page, AuditJson.Default.SessionPage).ConfigureAwait(false);
        }));
        app.MapGet("/api/sessions/{id}", context => Guarded(context, async aborted =>
        {
            var page = await queries.SessionsAsync(SessionFilter.All with { Session = Route(context, "id") }, ReadOrg(context), null, 1, aborted).ConfigureAwait(false);
            await (page.Items.Count == 1 ? Json(context, page.Items[0], AuditJson.Default.SessionView) : NotFound(context, "no such session")).ConfigureAwait(false);
        }));
        app.MapGet("/api/policy", context => Guarded(context, async aborted =>
            await Json(context, await CurrentPolicyAsync(queries, policy, aborted).ConfigureAwait(false), AuditJson.Default.PolicyView).ConfigureAwait(false)));
        app.MapGet("/api/policy/epochs", context => Guarded(context, async aborted =>
            await Json(context, await queries.EpochsAsync(context.Request.Query["documents"] == "1", cancellation: aborted).ConfigureAwait(false),
                AuditJson.Default.ListEpochView).ConfigureAwait(false)));
        app.MapGet("/api/policy/epochs/{epoch}", context => Guarded(context, async aborted =>
            await (await queries.EpochsAsync(true, Epoch(Route(context, "epoch"), "epoch"), aborted).ConfigureAwait(false) is [var one]
                ? Json(context, one, AuditJson.Default.EpochView) : NotFound(context, "no such epoch")).ConfigureAwait(false)));
        app.MapGet("/api/policy/diff", context => Guarded(context, async aborted =>
        {
            var q = context.Request.Query;
            var diff = await DiffAsync(queries, Epoch(q["from"], "from"), Epoch(q["to"], "to"), aborted).ConfigureAwait(false);
            await (diff is null ? NotFound(context, "no such epoch") : Json(context, diff, AuditJson.Default.PolicyDiffView)).ConfigureAwait(false);
        }));
        app.MapGet("/api/policy/rules", context => Guarded(context, async aborted =>
            await Json(context, await RuleHitsAsync(queries, policy, ReadOrg(context), aborted).ConfigureAwait(false), AuditJson.Default.RuleHitsView).ConfigureAwait(false)));
        app.MapGet("/api/health", context => Guarded(context, async aborted =>
            await Json(context, await HealthAsync(queries, policy, sessions, metrics, feed, time, ReadOrg(context), aborted).ConfigureAwait(false), AuditJson.Default.HealthView).ConfigureAwait(false)));
        app.MapGet("/api/coverage", context => Guarded(context, async aborted =>
        {
            var q = context.Request.Query;
            var session = string.IsNullOrWhiteSpace(q["session"]) ? null : q["session"].ToString().Trim();
            var view = await queries.CoverageAsync(session, ReadOrg(context), Limit(q, session is null ? 100 : AuditReader.MaxPage), aborted).ConfigureAwait(false);
            await Json(context, view, AuditJson.Default.CoverageView).ConfigureAwait(false);
        }));
        var overview = OverviewService.Of(services);
        app.MapGet("/api/overview", context => Guarded(context, async aborted =>
            await Json(context, await overview.ReadAsync(overview.RangeOf(Get(context.Request.Query)), ReadOrg(context), aborted).ConfigureAwait(false),
                OverviewJson.Default.OverviewView).ConfigureAwait(false)));
        app.MapGet("/api/live", context => LiveStream.ServeAsync(context, feed, EventFilter.Parse(Get(context.Request.Query), time), ReadOrg(context)));
    }

    public static async Task<PolicyView> CurrentPolicyAsync(IAuditReader queries, PolicyHolder policy, CancellationToken cancellation)
    {
        var current = policy.Current;
        var stored = (await queries.EpochsAsync(false, (long)current.Epoch, cancellation).ConfigureAwait(false)).FirstOrDefault();
        return new PolicyView((long)current.Epoch, current.Hash, stored?.Source ?? "", stored?.AppliedAt ?? current.IssuedAt,
            current.Policy.Document.Mode.ToString().ToLowerInvariant(), current.Policy.Document.Text, stored?.AppliedBy ?? "");
    }

    public static async Task<PolicyDiffView?> DiffAsync(IAuditReader queries, long from, long to, CancellationToken cancellation)
    {
        var a = (await queries.EpochsAsync(true, from, cancellation).ConfigureAwait(false)).FirstOrDefault()?.Document;
        var b = (await queries.EpochsAsync(true, to, cancellation).ConfigureAwait(false)).FirstOrDefault()?.Document;
        if (a is null || b is null)
        {
            return null;
        }
        var model = new InlineDiffBuilder(new Differ()).BuildDiffModel(a, b, ignoreWhitespace: false);
        var lines = model.Lines.Select(line => new DiffLine(line.Type switch
        {
            ChangeType.Inserted => "+",
            ChangeType.Deleted => "-",
            _ => " ",
        }, line.Text ?? "")).ToList();
        return new PolicyDiffView(from, to, lines);
    }

    public static async Task<RuleHitsView> RuleHitsAsync(IAuditReader queries, PolicyHolder policy, string? org, CancellationToken cancellation)
    {
        var current = policy.Current;
        var hits = await queries.RuleHitsAsync(org, cancellation).ConfigureAwait(false);
        var rules = current.Policy.Document.Rules.Select(rule =>
        {
            hits.TryGetValue(rule.Id, out var hit);
            return new RuleHitView(rule.Id, rule.Effect.ToString().ToLowerInvariant(), hit.Hits,
                hit.Hits == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(hit.LastMs));
        }).ToList();
        return new RuleHitsView((long)current.Epoch, rules, rules.Where(r => r.Hits == 0).Select(r => r.RuleId).ToList());
    }

    public static async Task<HealthView> HealthAsync(IAuditReader queries, PolicyHolder policy, SessionTracker sessions, ServerMetrics metrics,
        LiveFeed feed, TimeProvider time, string? org, CancellationToken cancellation)
    {
        var since = time.GetUtcNow().AddSeconds(-HealthWindowSeconds).ToUnixTimeMilliseconds();
        var (sources, decided, hookP99, active) = await queries.WindowAsync(since, org, cancellation).ConfigureAwait(false);
        long Of(string source) => sources.TryGetValue(source, out var n) ? n : 0;
        double Rate(long n) => decided == 0 ? 0 : (double)n / decided;
        var local = Of("local");
        var failClosed = Of("fail_closed");
        var failOpen = Of("fail_open");
        return new HealthView((long)policy.Current.Epoch, sessions.OpenStreamCount, active, HealthWindowSeconds,
            sources.Values.Sum(), decided, (double)decided / HealthWindowSeconds, metrics.DecisionQuantileMs(0.99), hookP99,
            Rate(local + failClosed + failOpen), Rate(local), Rate(failClosed), Rate(failOpen), sources,
            metrics.StoredCount, metrics.StoreFailureCount, feed.SubscriberCount);
    }

    internal static SessionFilter ParseSessionFilter(IQueryCollection q, TimeProvider time)
    {
        var times = EventFilter.Parse(Get(q), time);
        string? Text(string name) => string.IsNullOrWhiteSpace(q[name]) ? null : q[name].ToString().Trim();
        return new SessionFilter(Text("status"), Text("agent"), Text("user"), Text("cwd"), Text("session"), times.Since, times.Until);
    }

    /// <summary>
    /// The org whose audit trail this caller reads: the org its credential names (token, JWT, or the token behind a
    /// dashboard cookie), so it sees that org's sessions, events and coverage only; null (every org) for a credential
    /// without an org, and with authentication off.
    /// </summary>
    internal static string? ReadOrg(HttpContext context)
        => Auth.HttpAuthorization.CallerOf(context) is { Authenticated: true, Org.Length: > 0 } caller ? caller.Org : null;

    internal static Func<string, string?> Get(IQueryCollection q) => name => q.TryGetValue(name, out var v) ? v.ToString() : null;

    internal static int Limit(IQueryCollection q, int fallback)
        => int.TryParse(q["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? Math.Min(n, AuditReader.MaxPage) : fallback;

    internal static long Epoch(string? value, string name)
        => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"{name}: expected an epoch number");

    internal static string Route(HttpContext context, string name) => context.Request.RouteValues[name]?.ToString() ?? "";

    /// <summary>Bad parameters answer 400 with the reason; the store's own errors stay 500.</summary>
    internal static async Task Guarded(HttpContext context, Func<CancellationToken, Task> body)
    {
        try
        {
            await body(context.RequestAborted).ConfigureAwait(false);
        }
        catch (FormatException ex)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await Json(context, new ApiError(ex.Message), AuditJson.Default.ApiError).ConfigureAwait(false);
        }
    }

    internal static Task NotFound(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Json(context, new ApiError(message), AuditJson.Default.ApiError);
    }

    internal static Task Json<T>(HttpContext context, T value, JsonTypeInfo<T> type)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted);
    }
}
