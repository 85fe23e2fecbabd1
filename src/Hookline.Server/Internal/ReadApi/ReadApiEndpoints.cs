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

        app.MapGet("/api/events", context => Guarded(context, () =>
        {
            var q = context.Request.Query;
            var page = queries.Events(EventFilter.Parse(Get(q), time), q["cursor"], Limit(q, 100), q["order"] == "asc");
            return Json(context, page, AuditJson.Default.EventPage);
        }));
        app.MapGet("/api/events/{id}", context => Guarded(context, () =>
            queries.Event(Route(context, "id")) is { } view ? Json(context, view, AuditJson.Default.EventView) : NotFound(context, "no such event")));
        app.MapGet("/api/events/{id}/raw", context => Guarded(context, () =>
            queries.Raw(Route(context, "id")) is { } raw ? Json(context, raw, AuditJson.Default.RawEventView) : NotFound(context, "no such event")));
        app.MapGet("/api/sessions", context => Guarded(context, () =>
        {
            var q = context.Request.Query;
            var page = queries.Sessions(ParseSessionFilter(q, time), q["cursor"], Limit(q, 100));
            return Json(context, page, AuditJson.Default.SessionPage);
        }));
        app.MapGet("/api/sessions/{id}", context => Guarded(context, () =>
        {
            var page = queries.Sessions(SessionFilter.All with { Session = Route(context, "id") }, null, 1);
            return page.Items.Count == 1 ? Json(context, page.Items[0], AuditJson.Default.SessionView) : NotFound(context, "no such session");
        }));
        app.MapGet("/api/policy", context => Guarded(context, () => Json(context, CurrentPolicy(queries, policy), AuditJson.Default.PolicyView)));
        app.MapGet("/api/policy/epochs", context => Guarded(context, () =>
            Json(context, queries.Epochs(context.Request.Query["documents"] == "1"), AuditJson.Default.ListEpochView)));
        app.MapGet("/api/policy/epochs/{epoch}", context => Guarded(context, () =>
            queries.Epochs(true, Epoch(Route(context, "epoch"), "epoch")) is [var one] ? Json(context, one, AuditJson.Default.EpochView) : NotFound(context, "no such epoch")));
        app.MapGet("/api/policy/diff", context => Guarded(context, () =>
        {
            var q = context.Request.Query;
            var diff = Diff(queries, Epoch(q["from"], "from"), Epoch(q["to"], "to"));
            return diff is null ? NotFound(context, "no such epoch") : Json(context, diff, AuditJson.Default.PolicyDiffView);
        }));
        app.MapGet("/api/policy/rules", context => Guarded(context, () => Json(context, RuleHits(queries, policy), AuditJson.Default.RuleHitsView)));
        app.MapGet("/api/health", context => Guarded(context, () =>
            Json(context, Health(queries, policy, sessions, metrics, feed, time), AuditJson.Default.HealthView)));
        app.MapGet("/api/live", context => LiveStream.ServeAsync(context, feed, EventFilter.Parse(Get(context.Request.Query), time)));
    }

    public static PolicyView CurrentPolicy(IAuditReader queries, PolicyHolder policy)
    {
        var current = policy.Current;
        var stored = queries.Epochs(false, (long)current.Epoch).FirstOrDefault();
        return new PolicyView((long)current.Epoch, current.Hash, stored?.Source ?? "", stored?.AppliedAt ?? current.IssuedAt,
            current.Policy.Document.Mode.ToString().ToLowerInvariant(), current.Policy.Document.Text, stored?.AppliedBy ?? "");
    }

    public static PolicyDiffView? Diff(IAuditReader queries, long from, long to)
    {
        var a = queries.Epochs(true, from).FirstOrDefault()?.Document;
        var b = queries.Epochs(true, to).FirstOrDefault()?.Document;
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

    public static RuleHitsView RuleHits(IAuditReader queries, PolicyHolder policy)
    {
        var current = policy.Current;
        var hits = queries.RuleHits();
        var rules = current.Policy.Document.Rules.Select(rule =>
        {
            hits.TryGetValue(rule.Id, out var hit);
            return new RuleHitView(rule.Id, rule.Effect.ToString().ToLowerInvariant(), hit.Hits,
                hit.Hits == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(hit.LastMs));
        }).ToList();
        return new RuleHitsView((long)current.Epoch, rules, rules.Where(r => r.Hits == 0).Select(r => r.RuleId).ToList());
    }

    public static HealthView Health(IAuditReader queries, PolicyHolder policy, SessionTracker sessions, ServerMetrics metrics, LiveFeed feed, TimeProvider time)
    {
        var since = time.GetUtcNow().AddSeconds(-HealthWindowSeconds).ToUnixTimeMilliseconds();
        var (sources, decided, hookP99, active) = queries.Window(since);
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

    internal static Func<string, string?> Get(IQueryCollection q) => name => q.TryGetValue(name, out var v) ? v.ToString() : null;

    internal static int Limit(IQueryCollection q, int fallback)
        => int.TryParse(q["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? Math.Min(n, AuditReader.MaxPage) : fallback;

    internal static long Epoch(string? value, string name)
        => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"{name}: expected an epoch number");

    internal static string Route(HttpContext context, string name) => context.Request.RouteValues[name]?.ToString() ?? "";

    /// <summary>Bad parameters answer 400 with the reason; the store's own errors stay 500.</summary>
    private static Task Guarded(HttpContext context, Func<Task> body)
    {
        try
        {
            return body();
        }
        catch (FormatException ex)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Json(context, new ApiError(ex.Message), AuditJson.Default.ApiError);
        }
    }

    private static Task NotFound(HttpContext context, string message)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Json(context, new ApiError(message), AuditJson.Default.ApiError);
    }

    private static Task Json<T>(HttpContext context, T value, JsonTypeInfo<T> type)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return JsonSerializer.SerializeAsync(context.Response.Body, value, type, context.RequestAborted);
    }
}
