using System.Globalization;
using Hookline.Server.Internal.ReadApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Hookline.Server.Internal.Ui;

/// <summary>
/// <c>/ui/overview</c>, the dashboard's landing page: the fleet over a time range at a glance. The data part is one
/// server-rendered fragment (<see cref="OverviewCharts"/>), also served alone at <see cref="ChartsPath"/> so that
/// overview.js can swap in a fresh one while events arrive: one renderer for the first paint and the live updates.
/// </summary>
internal static class DashboardOverview
{
    public const string PagePath = "/ui/overview";
    public const string ChartsPath = "/ui/overview/charts";

    private static readonly string[] RangeParameters = ["range", "since", "until"];

    public static void Map(IEndpointRouteBuilder app)
    {
        var overview = OverviewService.Of(app.ServiceProvider);
        app.MapGet(PagePath, context => DashboardPages.Page(context, "overview", "Overview", html => PageAsync(html, context, overview)));
        app.MapGet(ChartsPath, async context =>
        {
            var html = new Html();
            try
            {
                await ChartsAsync(html, context, overview).ConfigureAwait(false);
            }
            catch (FormatException ex)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                html = new Html().Element("p", ex.Message);
            }
            context.Response.ContentType = "text/html; charset=utf-8";
            context.Response.Headers.CacheControl = "no-store";
            await context.Response.WriteAsync(html.ToString(), context.RequestAborted).ConfigureAwait(false);
        });
    }

    private static async Task PageAsync(Html html, HttpContext context, OverviewService overview)
    {
        var q = context.Request.Query;
        var get = ReadApiEndpoints.Get(q);
        var range = overview.RangeOf(get);
        // The same parameters name the same range when the fragment is fetched again (a named range slides with now).
        var query = RangeQuery(get);
        html.Raw("<h1>Overview<span id=\"live-status\" class=\"status\" data-state=\"connecting\">connecting</span></h1>");
        RangePicker(html, get);
        var custom = !string.IsNullOrWhiteSpace(get("since")) || !string.IsNullOrWhiteSpace(get("until"));
        // A custom range that ends in the past has nothing new to show; one open at its end follows the feed.
        var live = !custom || string.IsNullOrWhiteSpace(get("until"));
        html.Raw($"<div id=\"overview-charts\" data-charts=\"{Html.Attr(ChartsPath + (query.Length > 0 ? "?" + query : ""))}\"")
            .Raw(live ? " data-live=\"/api/live\">" : ">");
        await ChartsAsync(html, context, overview, range).ConfigureAwait(false);
        html.Raw("</div><script src=\"/ui/assets/overview.js\"></script>");
    }

    private static async Task ChartsAsync(Html html, HttpContext context, OverviewService overview, OverviewRange? range = null)
    {
        range ??= overview.RangeOf(ReadApiEndpoints.Get(context.Request.Query));
        var view = await overview.ReadAsync(range, ReadApiEndpoints.ReadOrg(context), context.RequestAborted).ConfigureAwait(false);
        OverviewCharts.Write(html, view);
    }

    /// <summary>The range parameters of the request, in a fixed order, for the fragment's URL.</summary>
    private static string RangeQuery(Func<string, string?> get)
        => string.Join('&', RangeParameters.Where(n => !string.IsNullOrWhiteSpace(get(n)))
            .Select(n => n + "=" + Uri.EscapeDataString(get(n)!.Trim())));

    private static void RangePicker(Html html, Func<string, string?> get)
    {
        var custom = !string.IsNullOrWhiteSpace(get("since")) || !string.IsNullOrWhiteSpace(get("until"));
        var named = string.IsNullOrWhiteSpace(get("range")) ? OverviewService.DefaultRange : get("range")!.Trim();
        html.Raw("<nav class=\"ranges\" aria-label=\"time range\">");
        foreach (var (name, _) in OverviewService.Ranges)
        {
            var on = !custom && name == named;
            html.Raw($"<a class=\"button{(on ? " on" : "")}\" href=\"{PagePath}?range={name}\"{(on ? " aria-current=\"page\"" : "")}>")
                .Text("last " + name).Raw("</a>");
        }
        html.Raw($"<form class=\"filters custom-range\" method=\"get\" action=\"{PagePath}\">")
            .Raw("<label>since<input name=\"since\" placeholder=\"2026-01-02T03:04Z or 3d\" value=\"").Raw(Html.Attr(get("since"))).Raw("\"></label>")
            .Raw("<label>until<input name=\"until\" placeholder=\"now\" value=\"").Raw(Html.Attr(get("until"))).Raw("\"></label>")
            .Raw("<button type=\"submit\">Show</button></form></nav>");
    }

    internal static string Count(long n) => n.ToString(CultureInfo.InvariantCulture);

    internal static string Percent(double rate) => (rate * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";
}
