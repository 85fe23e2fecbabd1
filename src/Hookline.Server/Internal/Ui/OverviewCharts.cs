using System.Globalization;

namespace Hookline.Server.Internal.Ui;

/// <summary>
/// The overview's data part: totals, SVG charts and the tables of their numbers. Readable without colour: verdicts
/// differ by pattern (solid, dotted, striped, crossed) and by label, the two rates by line and marker shape, every mark
/// carries its numbers as a <c>&lt;title&gt;</c> (hover), and each chart has its numbers in a table beneath.
/// </summary>
internal static class OverviewCharts
{
    private const double Width = 720, Height = 200, Left = 48, Right = 12, Top = 12, Bottom = 28;
    private const double PlotWidth = Width - Left - Right, PlotHeight = Height - Top - Bottom;

    private static readonly string[] Verdicts = ["allow", "ask", "deny"];

    private static readonly (string Source, string Fill)[] SourceFills =
    [
        ("remote", "#3558a8"), ("local", "#7b57b0"), ("approval", "#2e7d32"), ("approval_timeout", "#8a6d3b"),
        ("fail_open", "#e09a1b"), ("fail_closed", "#c62828"), ("hook", "#607d8b"),
    ];

    // Patterns (defined once per fragment) so that a verdict is told apart without colour.
    private const string Patterns = """
        <svg class="defs" width="0" height="0" aria-hidden="true"><defs>
        <pattern id="ov-allow" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#4f9a55"/></pattern>
        <pattern id="ov-ask" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#d98b0b"/><circle cx="4" cy="4" r="1.7" fill="#fff"/></pattern>
        <pattern id="ov-deny" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="#c62828"/><rect width="3" height="8" fill="#fff" fill-opacity="0.6"/></pattern>
        <pattern id="ov-other" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#8a93a6"/><path d="M0 0L8 8M8 0L0 8" stroke="#fff"/></pattern>
        </defs></svg>
        """;

    public static void Write(Html html, OverviewView view)
    {
        html.Raw(Patterns);
        html.Raw($"<p id=\"overview-range\" class=\"muted\" data-from=\"{Iso(view.From)}\" data-to=\"{Iso(view.To)}\" data-bucket-seconds=\"{view.BucketSeconds}\">")
            .Text($"{Html.Time(view.From)} to {Html.Time(view.To)} · buckets of {WidthName(view.BucketSeconds)} · policy epoch {view.Epoch}").Raw("</p>");
        Totals(html, view);
        html.Raw("<section class=\"chart-box\" id=\"chart-decisions\"><h2>Decisions over time, by verdict</h2>");
        Legend(html, VerdictsOf(view).Select(v => (v, VerdictFill(v))));
        html.Raw(DecisionsChart(view));
        BucketTable(html, view, VerdictsOf(view), b => b.Verdicts, "verdict");
        html.Raw("</section><section class=\"chart-box\" id=\"chart-rates\"><h2>Deny and ask rate</h2>")
            .Raw("<p class=\"legend\"><span class=\"key\">● solid line: deny rate</span> <span class=\"key\">■ dashed line: ask rate</span></p>");
        html.Raw(RatesChart(view));
        RatesTable(html, view);
        var sources = SourcesOf(view);
        html.Raw("</section><section class=\"chart-box\" id=\"chart-sources\"><h2>Decision sources over time</h2>");
        Legend(html, sources.Select(s => (s, SourceFill(s))));
        html.Raw(SourcesChart(view, sources));
        BucketTable(html, view, sources, b => b.Sources, "source");
        html.Raw("</section><section class=\"chart-box\" id=\"chart-latency\"><h2>Decision latency, by source</h2>")
            .Raw("<p class=\"muted\">How long hooks waited for each decision (hook to answer), in buckets of a quarter octave; p50 and p99 are the upper bound of their bucket.</p>");
        if (view.Latency.Count == 0)
        {
            html.Element("p", "No decisions in this range.", "muted");
        }
        foreach (var series in view.Latency)
        {
            LatencyChart(html, series);
        }
        html.Raw("</section><div class=\"tops\">");
        TopTable(html, "top-rules", "Rules with the most denials and asks", "rule", view.TopRules, view, (f, k) => f with { Rule = k });
        TopTable(html, "top-users", "Users", "user", view.TopUsers, view, (f, k) => f with { User = k });
        TopTable(html, "top-agents", "Agents", "agent", view.TopAgents, view, (f, k) => f with { Agent = k });
        TopTable(html, "top-tools", "Tools", "tool", view.TopTools, view, (f, k) => f with { Tool = k });
        html.Raw("</div>");
        NeverFired(html, view);
        Ungoverned(html, view);
    }

    private static void Totals(Html html, OverviewView view)
    {
        var t = view.Totals;
        var ungoverned = view.Ungoverned.Values.Sum();
        html.Raw("<div class=\"cards\" id=\"overview-totals\">");
        foreach (var (key, label, value, href) in new (string, string, string, string?)[]
        {
            ("decided", "decisions", DashboardOverview.Count(t.Decided), null),
            ("allow", "allowed", DashboardOverview.Count(t.Allow), null),
            ("ask", "asked", DashboardOverview.Count(t.Ask), null),
            ("deny", "denied", DashboardOverview.Count(t.Deny), null),
            ("deny-rate", "deny rate", DashboardOverview.Percent(t.DenyRate), null),
            ("ask-rate", "ask rate", DashboardOverview.Percent(t.AskRate), null),
            ("ungoverned", "ungoverned tool calls", DashboardOverview.Count(ungoverned), "#ungoverned"),
            ("pending-approvals", "approvals waiting now", DashboardOverview.Count(view.PendingApprovals), DashboardApprovals.PagePath),
        })
        {
            var alert = key switch { "ungoverned" => ungoverned > 0, "pending-approvals" => view.PendingApprovals > 0, _ => false };
            html.Raw($"<div class=\"card{(alert ? " alert" : "")}\" data-key=\"{key}\"><div class=\"v\">").Text(value).Raw("</div><div class=\"k\">");
            if (href is null)
            {
                html.Text(label);
            }
            else
            {
                html.Link(href, label);
            }
            html.Raw("</div></div>");
        }
        html.Raw("</div>");
    }

    private static string DecisionsChart(OverviewView view)
    {
        var verdicts = VerdictsOf(view);
        return Stacked(view, verdicts, b => b.Verdicts, VerdictFill, "decisions over time, stacked by verdict");
    }

    private static string SourcesChart(OverviewView view, IReadOnlyList<string> sources)
        => Stacked(view, sources, b => b.Sources, SourceFill, "decisions over time, stacked by source");

    private static string Stacked(OverviewView view, IReadOnlyList<string> keys, Func<OverviewBucket, IReadOnlyDictionary<string, long>> of,
        Func<string, string> fill, string label)
    {
        var svg = new Svg(Width, Height, label);
        var max = Math.Max(1, view.Timeline.Select(b => of(b).Values.Sum()).DefaultIfEmpty(0).Max());
        Axes(svg, view, max.ToString(CultureInfo.InvariantCulture));
        var slot = PlotWidth / Math.Max(1, view.Timeline.Count);
        for (var i = 0; i < view.Timeline.Count; i++)
        {
            var bucket = view.Timeline[i];
            var counts = of(bucket);
            var total = counts.Values.Sum();
            var y = Top + PlotHeight;
            foreach (var key in keys)
            {
                if (!counts.TryGetValue(key, out var n) || n == 0)
                {
                    continue;
                }
                var h = n * PlotHeight / max;
                y -= h;
                svg.Rect(Left + i * slot + (slot > 4 ? 0.5 : 0), y, Math.Max(slot - (slot > 4 ? 1 : 0), 0.5), h, fill(key),
                    $"{BucketLabel(view, bucket)}: {key} {n} of {total}");
            }
        }
        return svg.ToString();
    }

    private static string RatesChart(OverviewView view)
    {
        var svg = new Svg(Width, Height, "deny and ask rate over time");
        Axes(svg, view, "100%");
        foreach (var quarter in new[] { 0.25, 0.5, 0.75 })
        {
            svg.Line(Left, Top + PlotHeight * (1 - quarter), Left + PlotWidth, Top + PlotHeight * (1 - quarter), "#e3e6ec");
        }
        var slot = PlotWidth / Math.Max(1, view.Timeline.Count);
        foreach (var (verdict, stroke, dash, square) in new[] { ("deny", "#c62828", (string?)null, false), ("ask", "#b26a00", "6 4", true) })
        {
            // Empty buckets have no rate: the line breaks there rather than dropping to zero.
            var segment = new List<(double X, double Y)>();
            var marks = new List<(double X, double Y, string Title)>();
            void Flush()
            {
                if (segment.Count > 1)
                {
                    svg.Polyline(segment, stroke, dash);
                }
                segment.Clear();
            }
            for (var i = 0; i < view.Timeline.Count; i++)
            {
                var bucket = view.Timeline[i];
                var decided = bucket.Verdicts.Values.Sum();
                if (decided == 0)
                {
                    Flush();
                    continue;
                }
                var n = bucket.Verdicts.TryGetValue(verdict, out var c) ? c : 0;
                var rate = (double)n / decided;
                var point = (Left + (i + 0.5) * slot, Top + PlotHeight * (1 - rate));
                segment.Add(point);
                marks.Add((point.Item1, point.Item2, $"{BucketLabel(view, bucket)}: {verdict} rate {DashboardOverview.Percent(rate)} ({n} of {decided})"));
            }
            Flush();
            foreach (var (x, y, title) in marks)
            {
                svg.Marker(x, y, stroke, square, title);
            }
        }
        return svg.ToString();
    }

    private static void LatencyChart(Html html, LatencySeries series)
    {
        html.Raw($"<figure class=\"latency\" data-source=\"{Html.Attr(series.Source)}\"><figcaption>").Text(
            $"{series.Source}: {series.Count} decisions, {series.Measured} with a latency · p50 {Ms(series.P50Ms)} · p99 {Ms(series.P99Ms)}").Raw("</figcaption>");
        if (series.Buckets.Count > 0)
        {
            var indices = series.Buckets.Select(b => OverviewLatency.BucketOf(b.UpToUs)).ToList();
            var first = indices.Min();
            var last = indices.Max();
            var slots = last - first + 1;
            var counts = new long[slots];
            for (var i = 0; i < indices.Count; i++)
            {
                counts[indices[i] - first] += series.Buckets[i].Count;
            }
            var max = Math.Max(1, counts.Max());
            var svg = new Svg(Width, 160, $"latency histogram of {series.Source} decisions");
            const double plot = 160 - Top - Bottom;
            svg.Line(Left, Top + plot, Left + PlotWidth, Top + plot, "#6b7385").Line(Left, Top, Left, Top + plot, "#6b7385")
                .Text(Left - 4, Top + 10, max.ToString(CultureInfo.InvariantCulture), "end", "axis").Text(Left - 4, Top + plot, "0", "end", "axis");
            var slot = PlotWidth / slots;
            for (var i = 0; i < slots; i++)
            {
                if (counts[i] == 0)
                {
                    continue;
                }
                var h = counts[i] * plot / max;
                var index = first + i;
                svg.Rect(Left + i * slot + (slot > 4 ? 0.5 : 0), Top + plot - h, Math.Max(slot - (slot > 4 ? 1 : 0), 0.5), h, SourceFill(series.Source),
                    $"{series.Source}: {counts[i]} decisions from {Ms(LowerMs(index))} to {Ms(OverviewLatency.UpperBoundUs(index) / 1000.0)}");
            }
            svg.Text(Left, 160 - 8, Ms(OverviewLatency.UpperBoundUs(first) / 1000.0), "start", "axis")
                .Text(Left + PlotWidth, 160 - 8, Ms(OverviewLatency.UpperBoundUs(last) / 1000.0), "end", "axis");
            foreach (var (name, ms, dash) in new[] { ("p50", series.P50Ms, (string?)null), ("p99", series.P99Ms, "5 3") })
            {
                if (ms is not { } value)
                {
                    continue;
                }
                var x = Left + (OverviewLatency.BucketOf((long)Math.Round(value * 1000)) - first + 0.5) * slot;
                svg.Line(x, Top, x, Top + plot, "#1d2330", $"{name} {Ms(value)}", "marker", dash)
                    .Text(x + 3, name == "p50" ? Top + 10 : Top + 24, $"{name} {Ms(value)}", "start", "mark-label");
            }
            html.Raw(svg.ToString());
        }
        html.Raw("<details class=\"numbers\"><summary>numbers</summary><table class=\"latency-buckets\"><thead><tr><th>latency up to</th><th>decisions</th></tr></thead><tbody>");
        foreach (var bucket in series.Buckets)
        {
            html.Raw("<tr>").Element("td", Ms(bucket.UpToUs / 1000.0)).Element("td", DashboardOverview.Count(bucket.Count)).Raw("</tr>");
        }
        html.Raw("</tbody></table></details></figure>");
    }

    private static void Axes(Svg svg, OverviewView view, string maxLabel)
    {
        svg.Line(Left, Top + PlotHeight, Left + PlotWidth, Top + PlotHeight, "#6b7385").Line(Left, Top, Left, Top + PlotHeight, "#6b7385")
            .Text(Left - 4, Top + 10, maxLabel, "end", "axis").Text(Left - 4, Top + PlotHeight, "0", "end", "axis");
        var day = view.To - view.From > TimeSpan.FromDays(1);
        string Label(DateTimeOffset t) => t.UtcDateTime.ToString(day ? "MM-dd HH:mm" : "HH:mm", CultureInfo.InvariantCulture);
        svg.Text(Left, Height - 8, Label(view.From), "start", "axis")
            .Text(Left + PlotWidth / 2, Height - 8, Label(view.From + (view.To - view.From) / 2), "middle", "axis")
            .Text(Left + PlotWidth, Height - 8, Label(view.To) + " UTC", "end", "axis");
    }

    private static void BucketTable(Html html, OverviewView view, IReadOnlyList<string> keys, Func<OverviewBucket, IReadOnlyDictionary<string, long>> of, string what)
    {
        html.Raw($"<details class=\"numbers\"><summary>numbers (buckets with decisions)</summary><table class=\"buckets\" data-by=\"{what}\"><thead><tr><th>bucket start (UTC)</th>");
        foreach (var key in keys)
        {
            html.Element("th", key);
        }
        html.Raw("<th>total</th></tr></thead><tbody>");
        foreach (var bucket in view.Timeline.Where(b => of(b).Values.Sum() > 0))
        {
            var counts = of(bucket);
            html.Raw("<tr>").Element("td", Html.Time(bucket.Start), "time");
            foreach (var key in keys)
            {
                html.Element("td", DashboardOverview.Count(counts.TryGetValue(key, out var n) ? n : 0));
            }
            html.Element("td", DashboardOverview.Count(counts.Values.Sum())).Raw("</tr>");
        }
        html.Raw("</tbody></table></details>");
    }

    private static void RatesTable(Html html, OverviewView view)
    {
        html.Raw("<details class=\"numbers\"><summary>numbers (buckets with decisions)</summary><table class=\"buckets\" data-by=\"rate\"><thead><tr><th>bucket start (UTC)</th><th>decisions</th><th>deny rate</th><th>ask rate</th></tr></thead><tbody>");
        foreach (var bucket in view.Timeline)
        {
            var decided = bucket.Verdicts.Values.Sum();
            if (decided == 0)
            {
                continue;
            }
            double Rate(string v) => bucket.Verdicts.TryGetValue(v, out var n) ? (double)n / decided : 0;
            html.Raw("<tr>").Element("td", Html.Time(bucket.Start), "time").Element("td", DashboardOverview.Count(decided))
                .Element("td", DashboardOverview.Percent(Rate("deny"))).Element("td", DashboardOverview.Percent(Rate("ask"))).Raw("</tr>");
        }
        html.Raw("</tbody></table></details>");
    }

    private static void TopTable(Html html, string id, string title, string kind, IReadOnlyList<TopEntry> entries, OverviewView view,
        Func<EventFilter, string, EventFilter> filterOf)
    {
        html.Raw($"<section class=\"top\"><h2>").Text(title).Raw($"</h2><table id=\"{id}\"><thead><tr><th>").Text(kind)
            .Raw("</th><th>deny</th><th>ask</th><th>decisions</th></tr></thead><tbody>");
        var denyAsk = new EventFilter(Decisions: ["deny", "ask"], Since: view.From, Until: view.To);
        foreach (var entry in entries)
        {
            html.Raw($"<tr data-key=\"{Html.Attr(entry.Key)}\"><td class=\"subject\">");
            if (entry.Key.Length == 0)
            {
                html.Text("(none)"); // the live view cannot filter on an empty value
            }
            else
            {
                html.Link("/ui/live?" + filterOf(denyAsk, entry.Key).ToQuery(), entry.Key);
            }
            html.Raw("</td>").Element("td", DashboardOverview.Count(entry.Deny), "deny").Element("td", DashboardOverview.Count(entry.Ask), "ask")
                .Element("td", DashboardOverview.Count(entry.Decided), "decided").Raw("</tr>");
        }
        html.Raw("</tbody></table>");
        if (entries.Count == 0)
        {
            html.Element("p", "No denials or asks in this range.", "muted");
        }
        html.Raw("</section>");
    }

    private static void NeverFired(Html html, OverviewView view)
    {
        html.Raw("<section id=\"never-fired-box\"><h2>Rules that never fired in this range</h2>");
        if (view.NeverFired.Count == 0)
        {
            html.Element("p", "Every rule of the policy in force decided at least one event.", "muted");
        }
        else
        {
            html.Raw("<ul id=\"never-fired\" class=\"rule-list\">");
            foreach (var rule in view.NeverFired)
            {
                html.Raw($"<li data-rule-id=\"{Html.Attr(rule)}\">").Text(rule).Raw("</li>");
            }
            html.Raw("</ul>");
        }
        html.Raw("</section>");
    }

    private static void Ungoverned(Html html, OverviewView view)
    {
        html.Raw("<section><h2>Ungoverned tool calls, by cause</h2>")
            .Raw("<p class=\"muted\">Calls seen to run without a decision (each session's page lists its own, under ").Link("/ui/sessions", "Sessions").Raw(").</p>");
        html.Raw("<table id=\"ungoverned\"><thead><tr><th>cause</th><th>calls</th></tr></thead><tbody>");
        foreach (var (cause, count) in view.Ungoverned.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal))
        {
            html.Raw($"<tr class=\"d-deny\" data-cause=\"{Html.Attr(cause)}\">").Element("td", cause).Element("td", DashboardOverview.Count(count)).Raw("</tr>");
        }
        html.Raw("</tbody></table>");
        if (view.Ungoverned.Count == 0)
        {
            html.Element("p", "None: every tool call seen to run was governed.", "muted");
        }
        html.Raw("</section><section><h2>Approvals</h2><p id=\"pending-approvals\">")
            .Text($"{view.PendingApprovals} waiting for an answer now · ").Link(DashboardApprovals.PagePath, "open the approvals").Raw("</p></section>");
    }

    private static void Legend(Html html, IEnumerable<(string Key, string Fill)> keys)
    {
        html.Raw("<p class=\"legend\">");
        foreach (var (key, fill) in keys)
        {
            html.Raw($"<span class=\"key\"><svg width=\"14\" height=\"14\" aria-hidden=\"true\"><rect width=\"14\" height=\"14\" fill=\"{fill}\"/></svg>").Text(key).Raw("</span> ");
        }
        html.Raw("</p>");
    }

    /// <summary>allow, ask, deny, then any other verdict stored, so the stacks keep one order.</summary>
    private static List<string> VerdictsOf(OverviewView view)
        => [.. Verdicts, .. view.Timeline.SelectMany(b => b.Verdicts.Keys).Distinct().Where(v => !Verdicts.Contains(v)).Order(StringComparer.Ordinal)];

    private static List<string> SourcesOf(OverviewView view)
    {
        var seen = view.Timeline.SelectMany(b => b.Sources.Keys).ToHashSet(StringComparer.Ordinal);
        return [.. SourceFills.Select(s => s.Source).Where(seen.Contains), .. seen.Where(s => !SourceFills.Any(f => f.Source == s)).Order(StringComparer.Ordinal)];
    }

    private static string VerdictFill(string verdict) => Verdicts.Contains(verdict) ? $"url(#ov-{verdict})" : "url(#ov-other)";

    private static string SourceFill(string source) => SourceFills.FirstOrDefault(s => s.Source == source).Fill ?? "#9aa3b5";

    private static string BucketLabel(OverviewView view, OverviewBucket bucket) => $"{Html.Time(bucket.Start)} (+{WidthName(view.BucketSeconds)})";

    private static string WidthName(int seconds) => seconds switch
    {
        >= 86400 when seconds % 86400 == 0 => $"{seconds / 86400} d",
        >= 3600 when seconds % 3600 == 0 => $"{seconds / 3600} h",
        _ => $"{seconds / 60} min",
    };

    private static double LowerMs(int index) => index == 0 ? 0 : OverviewLatency.UpperBoundUs(index - 1) / 1000.0;

    private static string Ms(double? ms) => ms is not { } v ? "-"
        : v < 1 ? v.ToString("0.###", CultureInfo.InvariantCulture) + " ms"
        : v < 100 ? v.ToString("0.#", CultureInfo.InvariantCulture) + " ms"
        : v.ToString("0", CultureInfo.InvariantCulture) + " ms";

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}
