using System.Globalization;
using Hookline.Server.Internal.ReadApi;
using Hookline.Server.Internal.Storage;
using Microsoft.AspNetCore.Http;

namespace Hookline.Server.Internal.Ui;

/// <summary>
/// The coverage section of a session's page: how many of the calls seen to run a decision governed, and each call
/// that ran without one, with its cause (the same rows as <c>/api/coverage?session=ID</c>, scoped to the caller's org).
/// </summary>
internal static class DashboardCoverage
{
    public static async Task WriteAsync(Html html, HttpContext context, IAuditReader queries, string sessionId)
    {
        var view = await queries.CoverageAsync(sessionId, ReadApiEndpoints.ReadOrg(context), AuditReader.MaxPage, context.RequestAborted).ConfigureAwait(false);
        html.Raw("<h2>Coverage</h2>");
        if (view.Sessions is not [var s])
        {
            html.Element("p", "No tool calls recorded for this session.", "muted");
            return;
        }
        var causes = string.Join(", ", s.Causes.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value}"));
        html.Raw($"<p id=\"coverage-summary\" class=\"{(s.Ungoverned > 0 ? "d-deny" : "d-allow")}\">")
            .Text(string.Create(CultureInfo.InvariantCulture, $"{s.Governed} of {s.Ran} calls that ran were governed; {s.Ungoverned} ungoverned")
                + (causes.Length > 0 ? $" ({causes})" : "") + (s.Heuristic > 0 ? string.Create(CultureInfo.InvariantCulture, $"; {s.Heuristic} matched by input hash") : ""))
            .Raw("</p>");
        var ungoverned = view.Calls.Where(c => c.Status == "ungoverned").ToList();
        if (ungoverned.Count == 0)
        {
            return;
        }
        html.Raw("<table id=\"coverage\"><thead><tr><th>ran (UTC)</th><th>tool</th><th>tool use id</th><th>cause</th><th>decision</th>")
            .Raw("<th>seen in</th><th>match</th></tr></thead><tbody>");
        foreach (var c in ungoverned)
        {
            html.Raw("<tr class=\"d-deny\"><td>").Text(c.RanAt is { } at ? Html.Time(at) : "-")
                .Raw("</td><td>").Text(c.ToolName)
                .Raw("</td><td>").Text(c.ToolUseId.Length > 0 ? c.ToolUseId : "-")
                .Raw("</td><td class=\"cause\">").Text(c.Cause)
                .Raw("</td><td>").Text(c.Decision is null ? "-" : c.Decision + (c.Source is null ? "" : " (" + c.Source + ")"))
                .Raw("</td><td>").Text(c.RanSource)
                .Raw("</td><td>").Text(c.Heuristic ? "heuristic" : "tool_use_id")
                .Raw("</td></tr>");
        }
        html.Raw("</tbody></table>");
    }
}
