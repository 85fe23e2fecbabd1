using System.Globalization;
using Hookline.Core;
using Hookline.Server.Internal.Approvals;
using Hookline.Server.Internal.Auth;
using Hookline.Server.Internal.ReadApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Hookline.Server.Internal.Ui;

/// <summary>
/// The approvals pages: <c>/ui/approvals</c> (the pending ones, live, and the recently resolved) and
/// <c>/ui/approvals/{id}</c> (one request, which the webhook links to). Reading them never answers anything: a link
/// proves no identity and link previewers open links on their own. Answers are JSON POSTs from the page's script
/// (<see cref="DashboardApprovalAnswers"/>), through <see cref="IApprovalDesk"/> like every other channel.
/// </summary>
internal static class DashboardApprovals
{
    public const string PagePath = "/ui/approvals";
    public const string LivePath = "/ui/approvals/live";
    private const int RecentCount = 20;
    private const string OutcomeLine = "<p id=\"answer-outcome\" class=\"outcome\" role=\"status\"></p>";

    public static void Map(IEndpointRouteBuilder app)
    {
        var desk = app.ServiceProvider.GetService<IApprovalDesk>();
        var time = app.ServiceProvider.GetRequiredService<TimeProvider>();
        // An approver's token (scope approve) sees these pages, as a reader's does.
        app.MapGet(PagePath, context => DashboardPages.Page(context, "approvals", "Approvals", html => ListPageAsync(html, context, desk, time)))
            .RequireScope(TokenScope.Approve, or: TokenScope.Read);
        app.MapGet(LivePath, context => desk is null ? NotAvailableAsync(context) : ApprovalStream.ServeAsync(context, desk, ReadApiEndpoints.ReadOrg(context)))
            .RequireScope(TokenScope.Approve, or: TokenScope.Read);
        app.MapGet(PagePath + "/{id}", context => DashboardPages.Page(context, "approvals", "Approval", html => OnePageAsync(html, context, desk, time)))
            .RequireScope(TokenScope.Approve, or: TokenScope.Read);
        DashboardApprovalAnswers.Map(app, desk);
        // The webhook's links may name /approvals/{id}: the same page, reached through a link (see the channel).
        app.MapGet("/approvals/{id}", context =>
        {
            context.Response.Redirect(PagePath + "/" + Uri.EscapeDataString(ReadApiEndpoints.Route(context, "id")) + "?via=link");
            return Task.CompletedTask;
        }).AllowWithoutToken();
    }

    private static Task NotAvailableAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return context.Response.WriteAsync("approvals are not available on this server\n", context.RequestAborted);
    }

    private static async Task ListPageAsync(Html html, HttpContext context, IApprovalDesk? desk, TimeProvider time)
    {
        html.Raw("<h1>Approvals<span id=\"live-status\" class=\"status\" data-state=\"connecting\">connecting</span></h1>");
        if (desk is null)
        {
            html.Element("p", "Approvals are not available on this server.", "muted");
            return;
        }
        var org = ReadApiEndpoints.ReadOrg(context);
        var aborted = context.RequestAborted;
        var pending = await desk.ListAsync(org, ApprovalProtocol.StatusPending, Storage.AuditReader.MaxPage, aborted).ConfigureAwait(false);
        var now = time.GetUtcNow();
        html.Raw(OutcomeLine).Raw($"<table id=\"approvals\" data-live=\"{LivePath}\" data-now=\"{Iso(now)}\"><thead><tr><th>requested (UTC)</th>")
            .Raw("<th>command / subject</th><th>tool</th><th>session</th><th>user</th><th>agent</th><th>rule</th><th>who may answer</th>")
            .Raw("<th>time left</th><th>answer</th></tr></thead><tbody>");
        foreach (var a in pending)
        {
            html.Raw($"<tr class=\"d-ask\" data-approval-id=\"{Html.Attr(a.Id)}\">").Element("td", Html.Clock(a.CreatedAt), "time")
                .Raw("<td class=\"subject\">").Link(PagePath + "/" + Uri.EscapeDataString(a.Id), Subject(a)).Raw("</td>")
                .Element("td", a.ToolName).Raw("<td>").Link("/ui/sessions/" + Uri.EscapeDataString(a.SessionId), Short(a.SessionId)).Raw("</td>")
                .Element("td", a.User).Element("td", a.Agent).Element("td", a.RuleId, "rules").Element("td", WhoMayAnswer(a));
            TimeLeft(html, a, now);
            html.Raw("<td>");
            AnswerForm(html, a, ApprovalProtocol.ChannelDashboard);
            html.Raw("</td></tr>");
        }
        html.Raw("</tbody></table>");
        html.Raw($"<p id=\"approvals-empty\" class=\"muted\"{(pending.Count == 0 ? "" : " hidden")}>No approvals are waiting.</p>");

        var recent = (await desk.ListAsync(org, null, RecentCount * 2, aborted).ConfigureAwait(false))
            .Where(a => a.Status != ApprovalProtocol.StatusPending).Take(RecentCount);
        html.Element("h2", "Recently resolved").Raw("<table id=\"resolved\"><thead><tr><th>answered (UTC)</th><th>command / subject</th>")
            .Raw("<th>status</th><th>by</th><th>channel</th><th>reason</th><th>session</th></tr></thead><tbody>");
        foreach (var a in recent)
        {
            html.Raw($"<tr data-approval-id=\"{Html.Attr(a.Id)}\">").Element("td", a.AnsweredAt is { } at ? Html.Clock(at) : "", "time")
                .Raw("<td class=\"subject\">").Link(PagePath + "/" + Uri.EscapeDataString(a.Id), Subject(a)).Raw("</td><td>").Badge(a.Status).Raw("</td>")
                .Element("td", a.AnsweredBy ?? "").Element("td", a.Channel ?? "").Element("td", a.Reason ?? "", "reason")
                .Raw("<td>").Link("/ui/sessions/" + Uri.EscapeDataString(a.SessionId), Short(a.SessionId)).Raw("</td></tr>");
        }
        html.Raw("</tbody></table>");
        Script(html);
    }

    private static async Task OnePageAsync(Html html, HttpContext context, IApprovalDesk? desk, TimeProvider time)
    {
        var id = ReadApiEndpoints.Route(context, "id");
        var a = desk is null ? null : await desk.FindAsync(ReadApiEndpoints.ReadOrg(context), id, context.RequestAborted).ConfigureAwait(false);
        if (a is null)
        {
            throw new KeyNotFoundException($"no approval {id}");
        }
        var now = time.GetUtcNow();
        html.Raw($"<h1 id=\"approval\" data-approval-id=\"{Html.Attr(a.Id)}\" data-now=\"{Iso(now)}\">Approval ").Badge(a.Status).Raw("</h1>")
            .Element("pre", Subject(a), "subject").Raw("<div class=\"cards\">");
        foreach (var (k, v) in new[]
        {
            ("tool", a.ToolName), ("user", a.User), ("agent", a.Agent), ("rule", a.RuleId), ("who may answer", WhoMayAnswer(a)),
            ("on timeout", a.OnTimeout), ("remember", a.Remember), ("requested", Html.Time(a.CreatedAt)), ("expires", Html.Time(a.ExpiresAt)),
        })
        {
            html.Raw("<div class=\"card\"><div class=\"k\">").Text(k).Raw("</div><div>").Text(v).Raw("</div></div>");
        }
        html.Raw("<div class=\"card\"><div class=\"k\">session</div><div>").Link("/ui/sessions/" + Uri.EscapeDataString(a.SessionId), a.SessionId).Raw("</div></div>");
        if (a.Status != ApprovalProtocol.StatusPending)
        {
            foreach (var (k, v) in new[]
            {
                ("answered by", a.AnsweredBy ?? "-"), ("answered", a.AnsweredAt is { } at ? Html.Time(at) : "-"),
                ("channel", a.Channel ?? "-"), ("reason", a.Reason ?? "-"),
            })
            {
                html.Raw("<div class=\"card\"><div class=\"k\">").Text(k).Raw("</div><div>").Text(v).Raw("</div></div>");
            }
        }
        html.Raw("</div>");
        if (a.Status == ApprovalProtocol.StatusPending)
        {
            html.Raw("<p>Time left: <span class=\"left\" data-expires=\"").Raw(Iso(a.ExpiresAt)).Raw("\">").Text(Left(a.ExpiresAt - now)).Raw("</span></p>");
            // Reached through the webhook's link (?via=link): the answer is recorded as given through the link.
            AnswerForm(html, a, context.Request.Query["via"] == "link" ? ApprovalProtocol.ChannelLink : ApprovalProtocol.ChannelDashboard);
        }
        html.Raw(OutcomeLine);
        Script(html);
    }

    private static void AnswerForm(Html html, ApprovalView a, string channel)
        => html.Raw($"<form class=\"answer\" data-approval-id=\"{Html.Attr(a.Id)}\"><input type=\"hidden\" name=\"channel\" value=\"{channel}\">")
            .Raw("<input name=\"reason\" maxlength=\"" + DashboardApprovalAnswers.MaxReasonLength.ToString(CultureInfo.InvariantCulture) + "\" placeholder=\"reason (a deny needs one)\" aria-label=\"reason\">")
            .Raw("<button type=\"submit\" name=\"decision\" value=\"approve\">Approve</button><button type=\"submit\" name=\"decision\" value=\"deny\">Deny</button>")
            .Raw("<output class=\"outcome\" role=\"status\"></output></form>");

    private static void TimeLeft(Html html, ApprovalView a, DateTimeOffset now)
        => html.Raw($"<td class=\"left\" data-expires=\"{Iso(a.ExpiresAt)}\">").Text(Left(a.ExpiresAt - now)).Raw("</td>");

    private static void Script(Html html) => html.Raw("<script src=\"/ui/assets/approvals.js\"></script>");

    /// <summary>The subject as the agent sent it (hostile text: the writer escapes it), or the tool when capture keeps none.</summary>
    private static string Subject(ApprovalView a) => a.Subject.Length > 0 ? a.Subject : "(" + a.ToolName + ")";

    private static string WhoMayAnswer(ApprovalView a) => string.Join(", ", a.Approvers) + (a.SelfApprove ? " (self approval allowed)" : "");

    private static string Short(string id) => id[..Math.Min(8, id.Length)];

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    internal static string Left(TimeSpan left)
        => left <= TimeSpan.Zero ? "expired"
            : left.TotalMinutes >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)left.TotalMinutes}m {left.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{Math.Ceiling(left.TotalSeconds):0}s");
}
