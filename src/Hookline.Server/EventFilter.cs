using System.Globalization;
using System.Text;

namespace Hookline.Server;

/// <summary>
/// Which events to list. Every field is optional; <see cref="Decisions"/> and <see cref="Sources"/> accept several
/// values. The same names are the query parameters of <c>/api/events</c>, <c>/api/live</c> and the dashboard URLs,
/// so a view can be shared by its URL.
/// </summary>
/// <param name="Decisions">The decision the agent was told (the <c>applied</c> key), or "none".</param>
public sealed record EventFilter(
    IReadOnlyList<string>? Decisions = null, string? Agent = null, string? User = null, string? Tool = null,
    string? Rule = null, IReadOnlyList<string>? Sources = null, string? Session = null,
    DateTimeOffset? Since = null, DateTimeOffset? Until = null)
{
    public static readonly EventFilter All = new();

    /// <summary>The parameter names, in the order <see cref="ToQuery"/> writes them.</summary>
    public static readonly string[] Names = ["decision", "agent", "user", "tool", "rule", "source", "session", "since", "until"];

    /// <summary>Reads the filter from query parameters; throws <see cref="FormatException"/> for a bad time.</summary>
    public static EventFilter Parse(Func<string, string?> get, TimeProvider? time = null)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow();
        return new(
            List(get("decision")), Text(get("agent")), Text(get("user")), Text(get("tool")), Text(get("rule")),
            List(get("source")), Text(get("session")), Time(get("since"), "since", now), Time(get("until"), "until", now));
    }

    /// <summary>The filter as a query string without the leading '?' (empty when it filters nothing).</summary>
    public string ToQuery()
    {
        var query = new StringBuilder();
        void Add(string name, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                query.Append(query.Length == 0 ? "" : "&").Append(name).Append('=').Append(Uri.EscapeDataString(value));
            }
        }
        Add("decision", Decisions is null ? null : string.Join(',', Decisions));
        Add("agent", Agent);
        Add("user", User);
        Add("tool", Tool);
        Add("rule", Rule);
        Add("source", Sources is null ? null : string.Join(',', Sources));
        Add("session", Session);
        Add("since", Since?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        Add("until", Until?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        return query.ToString();
    }

    /// <summary>Whether one event passes; the same rules as the SQL of the read API, for the live feed.</summary>
    public bool Matches(EventView e) =>
        (Decisions is null || Decisions.Contains(e.Applied ?? "none"))
        && (Agent is null || e.Agent == Agent)
        && (User is null || e.User == User)
        && (Tool is null || e.ToolName == Tool)
        && (Rule is null || e.RuleIds.Contains(Rule))
        && (Sources is null || Sources.Contains(e.Source))
        && (Session is null || e.SessionId == Session)
        && (Since is null || e.OccurredAt >= Since)
        && (Until is null || e.OccurredAt < Until);

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string[]? List(string? value)
    {
        var items = value?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return items is { Length: > 0 } ? items : null;
    }

    /// <summary>ISO 8601 (2026-01-02T03:04:05Z), or a relative age such as 15m, 2h, 7d.</summary>
    private static DateTimeOffset? Time(string? value, string name, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        value = value.Trim();
        if (value.Length > 1 && char.IsAsciiDigit(value[0]) && "smhd".Contains(value[^1])
            && int.TryParse(value[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            var unit = value[^1] switch { 's' => TimeSpan.FromSeconds(1), 'm' => TimeSpan.FromMinutes(1), 'h' => TimeSpan.FromHours(1), _ => TimeSpan.FromDays(1) };
            return now - unit * amount;
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }
        throw new FormatException($"{name}: expected an ISO 8601 time (2026-01-02T03:04:05Z) or an age like 15m, 2h, 7d; got '{value}'");
    }
}
