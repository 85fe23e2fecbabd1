using System.Globalization;
using System.Reflection;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.Decisions;
using Hookline.Server.Internal.Metrics;
using Hookline.Server.Internal.ReadApi;
using Hookline.Server.Internal.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Server.Internal.Ui;

/// <summary>
/// The dashboard under <c>/ui</c>: server-rendered pages over the same queries as the read API, plus one script
/// for the live feed. Filters live in the query string, so a URL reproduces its view.
/// </summary>
internal static class DashboardPages
{
    private const int PageSize = 100;

    public static void Map(IEndpointRouteBuilder app)
    {
        var services = app.ServiceProvider;
        var queries = services.GetRequiredService<IAuditReader>();
        var policy = services.GetRequiredService<PolicyHolder>();
        var sessions = services.GetRequiredService<SessionTracker>();
        var metrics = services.GetRequiredService<ServerMetrics>();
        var feed = services.GetRequiredService<LiveFeed>();
        var time = services.GetRequiredService<TimeProvider>();

        // An approver's sign-in (scope approve alone) reads only the approvals pages: its home is there.
        app.MapGet("/ui", context =>
        {
            context.Response.Redirect(HttpAuthorization.CallerOf(context).Has(TokenScope.Read) ? DashboardOverview.PagePath : DashboardApprovals.PagePath);
            return Task.CompletedTask;
        }).RequireScope(TokenScope.Read, or: TokenScope.Approve);
        app.MapGet("/ui/assets/{name}", ServeAsset).AllowWithoutToken();
        app.MapGet("/ui/live", context => Page(context, "live", "Live decisions", html => LivePageAsync(html, context, queries, time)));
        app.MapGet("/ui/sessions", context => Page(context, "sessions", "Sessions", html => SessionsPageAsync(html, context, queries, time)));
        app.MapGet("/ui/sessions/{id}", context => Page(context, "sessions", "Session", html => SessionPageAsync(html, context, queries)));
        app.MapGet("/ui/policy", context => Page(context, "policy", "Policy", html => PolicyPageAsync(html, context, queries, policy)));
        app.MapGet("/ui/health", context => Page(context, "health", "Health", async html =>
            HealthPage(html, await ReadApiEndpoints.HealthAsync(queries, policy, sessions, metrics, feed, time, ReadApiEndpoints.ReadOrg(context), context.RequestAborted).ConfigureAwait(false))));
    }

    internal static async Task Page(HttpContext context, string tab, string title, Func<Html, Task> body)
    {
        var html = new Html();
        int status;
        try
        {
            await body(html).ConfigureAwait(false);
            status = StatusCodes.Status200OK;
        }
        catch (FormatException ex)
        {
            html = new Html().Element("h1", "Bad request").Element("p", ex.Message);
            status = StatusCodes.Status400BadRequest;
        }
        catch (KeyNotFoundException ex)
        {
            html = new Html().Element("h1", "Not found").Element("p", ex.Message);
            status = StatusCodes.Status404NotFound;
        }
        var page = new Html().Raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        if (tab == "health")
        {
            page.Raw("<meta http-equiv=\"refresh\" content=\"5\">");
        }
        var session = DashboardSessions.Of(context);
        if (session is not null)
        {
            // The synchronizer token: a script of this page sends it as X-Hookline-Csrf with any write.
            page.Raw($"<meta name=\"hookline-csrf\" content=\"{Html.Attr(session.Csrf)}\">");
        }
        page.Raw("<title>").Text(title + " · Hookline").Raw("</title><link rel=\"stylesheet\" href=\"/ui/assets/dashboard.css\"></head><body><header>")
            .Raw("<span class=\"brand\">Hookline</span>");
        var reads = HttpAuthorization.CallerOf(context).Has(TokenScope.Read);
        foreach (var (id, label) in new[] { ("overview", "Overview"), ("live", "Live"), ("sessions", "Sessions"), ("approvals", "Approvals"), ("policy", "Policy"), ("health", "Health") })
        {
            if (!reads && id != "approvals")
            {
                continue; // the other tabs would only answer 403 to an approver's sign-in
            }
            page.Raw($"<a href=\"/ui/{id}\"{(id == tab ? " class=\"on\"" : "")}>{label}</a>");
        }
        if (session is not null)
        {
            page.Raw($"<form class=\"signout\" method=\"post\" action=\"{DashboardLogin.SignOutPath}\">")
                .Raw($"<input type=\"hidden\" name=\"{DashboardSessions.CsrfField}\" value=\"{Html.Attr(session.Csrf)}\"><button type=\"submit\">Sign out</button></form>");
        }
        page.Raw("</header><main>").Raw(html.ToString()).Raw("</main><script src=\"/ui/assets/live.js\"></script></body></html>");
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync(page.ToString(), context.RequestAborted).ConfigureAwait(false);
    }

    private static Task ServeAsset(HttpContext context)
    {
        var name = ReadApiEndpoints.Route(context, "name");
        var type = Path.GetExtension(name) switch
        {
            ".css" => "text/css; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            _ => null,
        };
        var stream = type is null ? null : typeof(DashboardPages).Assembly.GetManifestResourceStream("ui/" + name);
        if (stream is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        context.Response.ContentType = type;
        context.Response.Headers.CacheControl = "no-cache";
        return CopyAsync(stream, context);
    }

    private static async Task CopyAsync(Stream stream, HttpContext context)
    {
        await using (stream.ConfigureAwait(false))
        {
            await stream.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }

    private static async Task LivePageAsync(Html html, HttpContext context, IAuditReader queries, TimeProvider time)
    {
        var q = context.Request.Query;
        var filter = EventFilter.Parse(ReadApiEndpoints.Get(q), time);
        var page = await queries.EventsAsync(filter, ReadApiEndpoints.ReadOrg(context), q["cursor"], PageSize, cancellation: context.RequestAborted).ConfigureAwait(false);
        var query = filter.ToQuery();
        html.Raw("<h1>Live decisions<span id=\"live-status\" class=\"status\" data-state=\"connecting\">connecting</span></h1>");
        FilterForm(html, "/ui/live", q, [
            ("decision", "decision", ["", "deny", "ask", "allow", "none", "deny,ask"]),
            ("source", "source", ["", "remote", "local", "fail_closed", "fail_open", "non_blocking", "hook", "malformed_input"]),
            ("agent", "agent", null), ("user", "user", null), ("tool", "tool", null), ("rule", "rule id", null),
            ("session", "session", null), ("since", "since", null), ("until", "until", null)]);
        // A view bounded in time shows history only; an open-ended one follows the feed.
        var live = filter.Until is null && string.IsNullOrEmpty(q["cursor"]);
        html.Raw($"<table id=\"feed\"{(live ? $" data-live=\"{Html.Attr("/api/live" + (query.Length > 0 ? "?" + query : ""))}\"" : "")}>")
            .Raw("<thead><tr><th>time (UTC)</th><th>agent</th><th>user</th><th>session</th><th>tool</th><th>command / path</th>")
            .Raw("<th>decision</th><th>source</th><th>rules</th><th>reason</th><th>latency</th></tr></thead><tbody>");
        foreach (var e in page.Items)
        {
            EventRow(html, e, withRaw: false);
        }
        html.Raw("</tbody></table>");
        if (page.Items.Count == 0)
        {
            html.Raw("<p id=\"feed-empty\" class=\"muted\">No events match yet.</p>");
        }
        Pager(html, "/ui/live", query, page.Next);
    }

    private static void EventRow(Html html, EventView e, bool withRaw)
    {
        var decision = e.Applied ?? "none";
        html.Raw($"<tr class=\"d-{Html.ClassSuffix(decision)}\" data-event-id=\"{Html.Attr(e.EventId)}\" data-session-id=\"{Html.Attr(e.SessionId)}\">")
            .Raw($"<td class=\"time\" title=\"{Html.Attr(e.OccurredAt.ToString("O", CultureInfo.InvariantCulture))}\">")
            .Text(withRaw ? Html.Time(e.OccurredAt) : Html.Clock(e.OccurredAt)).Raw("</td>");
        if (!withRaw)
        {
            html.Element("td", e.Agent).Element("td", e.User ?? "-")
                .Raw("<td>").Link("/ui/sessions/" + Uri.EscapeDataString(e.SessionId), e.SessionId[..Math.Min(8, e.SessionId.Length)]).Raw("</td>");
        }
        else
        {
            html.Element("td", e.HookEvent);
        }
        html.Element("td", e.ToolName.Length > 0 ? e.ToolName : e.HookEvent).Element("td", EventSubject.Of(e), "subject")
            .Raw("<td class=\"decision\">").Badge(decision).Raw("</td>").Element("td", e.Source)
            .Element("td", string.Join(", ", e.RuleIds), "rules").Element("td", e.Reason, "reason")
            .Element("td", e.LatencyUs is { } us ? (us / 1000.0).ToString("0.0", CultureInfo.InvariantCulture) + " ms " + e.Source : "", "latency");
        if (withRaw)
        {
            html.Raw($"<td><details class=\"raw\" data-raw=\"/api/events/{Html.Attr(Uri.EscapeDataString(e.EventId))}/raw\"><summary>raw input</summary><pre></pre></details></td>");
        }
        html.Raw("</tr>");
    }

    private static async Task SessionsPageAsync(Html html, HttpContext context, IAuditReader queries, TimeProvider time)
    {
        var q = context.Request.Query;
        var filter = ReadApiEndpoints.ParseSessionFilter(q, time);
        var page = await queries.SessionsAsync(filter, ReadApiEndpoints.ReadOrg(context), q["cursor"], PageSize, context.RequestAborted).ConfigureAwait(false);
        html.Element("h1", "Sessions");
        FilterForm(html, "/ui/sessions", q, [
            ("status", "status", ["", "active", "disconnected", "ended"]), ("agent", "agent", null), ("user", "user", null),
            ("cwd", "cwd starts with", null), ("since", "started since", null), ("until", "started before", null)]);
        html.Raw("<table id=\"sessions\"><thead><tr><th>session</th><th>status</th><th>agent</th><th>user</th><th>cwd</th>")
            .Raw("<th>started (UTC)</th><th>ended</th><th>allow</th><th>ask</th><th>deny</th></tr></thead><tbody>");
        foreach (var s in page.Items)
        {
            html.Raw($"<tr data-session-id=\"{Html.Attr(s.SessionId)}\"><td>").Link("/ui/sessions/" + Uri.EscapeDataString(s.SessionId), s.SessionId[..Math.Min(8, s.SessionId.Length)])
                .Raw("</td><td>").Badge(s.Status).Raw("</td>").Element("td", s.Agent).Element("td", s.User).Element("td", s.Cwd, "subject")
                .Element("td", Html.Time(s.CreatedAt), "time").Element("td", s.EndedAt is { } ended ? Html.Time(ended) : "", "time")
                .Element("td", s.Allowed.ToString(CultureInfo.InvariantCulture)).Element("td", s.Asked.ToString(CultureInfo.InvariantCulture))
                .Element("td", s.Denied.ToString(CultureInfo.InvariantCulture)).Raw("</tr>");
        }
        html.Raw("</tbody></table>");
        var query = string.Join('&', q.Where(p => p.Key != "cursor").Select(p => p.Key + "=" + Uri.EscapeDataString(p.Value.ToString())));
        Pager(html, "/ui/sessions", query, page.Next);
    }

    private static async Task SessionPageAsync(Html html, HttpContext context, IAuditReader queries)
    {
        var id = ReadApiEndpoints.Route(context, "id");
        var found = (await queries.SessionsAsync(SessionFilter.All with { Session = id }, ReadApiEndpoints.ReadOrg(context), null, 1, context.RequestAborted).ConfigureAwait(false)).Items;
        if (found.Count == 0)
        {
            throw new KeyNotFoundException($"no session {id}");
        }
        var s = found[0];
        var q = context.Request.Query;
        var page = await queries.EventsAsync(EventFilter.All with { Session = id }, ReadApiEndpoints.ReadOrg(context), q["cursor"], PageSize, oldestFirst: true, context.RequestAborted).ConfigureAwait(false);
        html.Raw("<h1>Session ").Text(s.SessionId).Raw(" ").Badge(s.Status).Raw("</h1><div class=\"cards\">");
        foreach (var (k, v) in new[]
        {
            ("agent", s.Agent), ("user", s.User), ("cwd", s.Cwd), ("agent session", s.AgentSessionId),
            ("started", Html.Time(s.CreatedAt)), ("ended", s.EndedAt is { } e ? Html.Time(e) : "-"),
            ("allow / ask / deny", $"{s.Allowed} / {s.Asked} / {s.Denied}"),
        })
        {
            html.Raw("<div class=\"card\"><div class=\"k\">").Text(k).Raw("</div><div>").Text(v).Raw("</div></div>");
        }
        html.Raw("</div>");
        await DashboardCoverage.WriteAsync(html, context, queries, id).ConfigureAwait(false);
        html.Raw("<h2>Timeline</h2><table id=\"timeline\"><thead><tr><th>time (UTC)</th><th>event</th><th>tool</th><th>command / path</th>")
            .Raw("<th>decision</th><th>source</th><th>rules</th><th>reason</th><th>latency</th><th></th></tr></thead><tbody>");
        foreach (var ev in page.Items)
        {
            EventRow(html, ev, withRaw: true);
        }
        html.Raw("</tbody></table>");
        Pager(html, "/ui/sessions/" + Uri.EscapeDataString(id), "", page.Next);
    }

    private static string AppliedBy(string appliedBy) => appliedBy.Length > 0 ? $" · applied by {appliedBy}" : "";

    private static async Task PolicyPageAsync(Html html, HttpContext context, IAuditReader queries, PolicyHolder policy)
    {
        var aborted = context.RequestAborted;
        var current = await ReadApiEndpoints.CurrentPolicyAsync(queries, policy, aborted).ConfigureAwait(false);
        var epochs = await queries.EpochsAsync(false, cancellation: aborted).ConfigureAwait(false);
        var hits = await ReadApiEndpoints.RuleHitsAsync(queries, policy, ReadApiEndpoints.ReadOrg(context), aborted).ConfigureAwait(false);
        html.Raw($"<h1>Policy <span id=\"epoch\" data-epoch=\"{current.Epoch}\">epoch {current.Epoch}</span></h1>")
            .Raw("<p class=\"muted\">").Text($"mode {current.Mode} · hash {current.Hash[..Math.Min(12, current.Hash.Length)]} · {current.Source}{AppliedBy(current.AppliedBy)} · since {Html.Time(current.AppliedAt)}").Raw("</p>");
        html.Element("h2", "Rule hits").Raw("<table id=\"rules\"><thead><tr><th>rule</th><th>effect</th><th>hits</th><th>last hit (UTC)</th></tr></thead><tbody>");
        foreach (var rule in hits.Rules.OrderByDescending(r => r.Hits))
        {
            html.Raw($"<tr data-rule-id=\"{Html.Attr(rule.RuleId)}\"><td>").Link("/ui/live?rule=" + Uri.EscapeDataString(rule.RuleId), rule.RuleId)
                .Raw("</td><td>").Badge(rule.Effect).Raw("</td>").Element("td", rule.Hits.ToString(CultureInfo.InvariantCulture))
                .Element("td", rule.LastHit is { } last ? Html.Time(last) : "never", "time").Raw("</tr>");
        }
        html.Raw("</tbody></table>").Element("h2", "Never fired").Raw("<p id=\"never-fired\">")
            .Text(hits.NeverFired.Count == 0 ? "Every rule has fired." : string.Join(", ", hits.NeverFired)).Raw("</p>");
        html.Element("h2", "Document").Element("pre", current.Document, "document");

        html.Element("h2", "History").Raw("<table id=\"epochs\"><thead><tr><th>epoch</th><th>applied (UTC)</th><th>hash</th><th>source</th><th>applied by</th><th></th></tr></thead><tbody>");
        foreach (var epoch in epochs)
        {
            html.Raw($"<tr data-epoch=\"{epoch.Epoch}\">").Element("td", epoch.Epoch.ToString(CultureInfo.InvariantCulture))
                .Element("td", Html.Time(epoch.AppliedAt), "time").Element("td", epoch.Hash[..Math.Min(12, epoch.Hash.Length)], "subject")
                .Element("td", epoch.Source, "subject").Element("td", epoch.AppliedBy, "applied-by").Raw("<td>");
            if (epoch.Epoch > 1)
            {
                html.Link($"/ui/policy?from={epoch.Epoch - 1}&to={epoch.Epoch}#diff", "diff with previous");
            }
            html.Raw("</td></tr>");
        }
        html.Raw("</tbody></table>");

        var q = context.Request.Query;
        var to = string.IsNullOrEmpty(q["to"]) ? current.Epoch : ReadApiEndpoints.Epoch(q["to"], "to");
        var from = string.IsNullOrEmpty(q["from"]) ? Math.Max(1, to - 1) : ReadApiEndpoints.Epoch(q["from"], "from");
        html.Raw("<h2 id=\"diff\">Diff</h2><form class=\"filters\" method=\"get\" action=\"/ui/policy#diff\">");
        foreach (var (name, value) in new[] { ("from", from), ("to", to) })
        {
            html.Raw($"<label>{name}<select name=\"{name}\">");
            foreach (var epoch in epochs)
            {
                html.Raw($"<option value=\"{epoch.Epoch}\"{(epoch.Epoch == value ? " selected" : "")}>{epoch.Epoch}</option>");
            }
            html.Raw("</select></label>");
        }
        html.Raw("<button type=\"submit\">Compare</button></form>");
        var diff = await ReadApiEndpoints.DiffAsync(queries, from, to, aborted).ConfigureAwait(false);
        if (diff is null)
        {
            html.Element("p", "Pick two stored epochs.", "muted");
            return;
        }
        html.Raw($"<pre class=\"diff\" id=\"diff-lines\" data-from=\"{from}\" data-to=\"{to}\">");
        foreach (var line in diff.Lines)
        {
            var cls = line.Op switch { "+" => "add", "-" => "del", _ => "same" };
            html.Raw($"<span class=\"{cls}\">").Text(line.Op + " " + line.Text).Raw("</span>").Raw(cls == "same" ? "\n" : "");
        }
        html.Raw("</pre>");
    }

    private static void HealthPage(Html html, HealthView h)
    {
        static string Percent(double rate) => (rate * 100).ToString("0.##", CultureInfo.InvariantCulture) + " %";
        static string Ms(double? ms) => ms is { } v ? v.ToString("0.###", CultureInfo.InvariantCulture) + " ms" : "-";
        html.Element("h1", "Health").Raw($"<p class=\"muted\">Last {h.WindowSeconds} s; refreshes every 5 s.</p><div class=\"cards\" id=\"health\">");
        foreach (var (key, label, value) in new[]
        {
            ("open-streams", "connected sidecars (open streams)", h.OpenStreams.ToString(CultureInfo.InvariantCulture)),
            ("active-sessions", "active sessions", h.ActiveSessions.ToString(CultureInfo.InvariantCulture)),
            ("decisions-per-second", "decisions per second", h.DecisionsPerSecond.ToString("0.##", CultureInfo.InvariantCulture)),
            ("server-p99", "p99 server decision time", Ms(h.ServerP99Ms)),
            ("hook-p99", "p99 hook wait (sidecar)", Ms(h.HookP99Ms)),
            ("budget-misses", "budget misses", Percent(h.BudgetMissRate)),
            ("local-fallbacks", "local fallbacks", Percent(h.LocalFallbackRate)),
            ("fail-closed", "fail-closed", Percent(h.FailClosedRate)),
            ("fail-open", "fail-open", Percent(h.FailOpenRate)),
            ("epoch", "policy epoch", h.Epoch.ToString(CultureInfo.InvariantCulture)),
            ("stored", "stored events (since start)", h.StoredTotal.ToString(CultureInfo.InvariantCulture)),
            ("store-failures", "store failures", h.StoreFailures.ToString(CultureInfo.InvariantCulture)),
        })
        {
            html.Raw($"<div class=\"card\" data-key=\"{key}\"><div class=\"v\">").Text(value).Raw("</div><div class=\"k\">").Text(label).Raw("</div></div>");
        }
        html.Raw("</div><h2>Events by source</h2><table><thead><tr><th>source</th><th>events</th></tr></thead><tbody>");
        foreach (var (source, count) in h.Sources.OrderByDescending(p => p.Value))
        {
            html.Raw("<tr>").Element("td", source).Element("td", count.ToString(CultureInfo.InvariantCulture)).Raw("</tr>");
        }
        html.Raw("</tbody></table>");
    }

    private static void FilterForm(Html html, string action, IQueryCollection q, (string Name, string Label, string[]? Choices)[] fields)
    {
        html.Raw($"<form class=\"filters\" method=\"get\" action=\"{action}\">");
        foreach (var (name, label, choices) in fields)
        {
            var value = q[name].ToString();
            html.Raw("<label>").Text(label);
            if (choices is null)
            {
                html.Raw($"<input name=\"{name}\" value=\"{Html.Attr(value)}\">");
            }
            else
            {
                html.Raw($"<select name=\"{name}\">");
                foreach (var choice in choices.Contains(value) ? choices : [.. choices, value])
                {
                    html.Raw($"<option value=\"{Html.Attr(choice)}\"{(choice == value ? " selected" : "")}>").Text(choice.Length == 0 ? "any" : choice).Raw("</option>");
                }
                html.Raw("</select>");
            }
            html.Raw("</label>");
        }
        html.Raw($"<button type=\"submit\">Apply</button><a class=\"button\" href=\"{action}\">Clear</a></form>");
    }

    private static void Pager(Html html, string path, string query, string? next)
    {
        if (next is not null)
        {
            html.Raw("<p class=\"pager\">").Link($"{path}?{(query.Length > 0 ? query + "&" : "")}cursor={Uri.EscapeDataString(next)}", "older →").Raw("</p>");
        }
    }
}
