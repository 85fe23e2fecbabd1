using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;

namespace Hookline.Server.Internal.Approvals;

/// <summary>
/// The Slack-compatible body: <c>text</c> (the notification) and <c>blocks</c>. Everything but the link comes from the
/// agent's side and may be hostile, so it is escaped as Slack asks (<c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c>: no
/// <c>&lt;!channel&gt;</c>, <c>&lt;@U…&gt;</c> or <c>&lt;url|label&gt;</c> can be formed), an <c>@</c> is followed by a
/// word joiner (no <c>@here</c>), and it is shown as code (no <c>*bold*</c>, no backtick that closes it). The request's
/// link is the only link.
/// </summary>
internal sealed record SlackMessage(string Text, IReadOnlyList<SlackBlock> Blocks)
{
    public static SlackMessage Of(ApprovalView approval, string eventName, string? link)
    {
        var pending = eventName == WebhookDelivery.PendingEvent;
        var headline = pending ? "Approval needed" : "Approval " + approval.Status.Replace('_', ' ');
        var what = $"{Code(approval.ToolName)} for {Code(approval.User)} ({Code(approval.Agent)}), rule {Code(approval.RuleId)}";
        var blocks = new List<SlackBlock> { new SlackSection(Mrkdwn($"*{headline}*: {what}")) };
        if (approval.Subject.Length > 0)
        {
            blocks.Add(new SlackSection(Mrkdwn("```\n" + Escape(approval.Subject, inCode: true) + "\n```")));
        }
        var context = pending
            ? $"Session {Code(approval.SessionId)} · who may answer: {Code(string.Join(", ", approval.Approvers))} · expires {Time(approval.ExpiresAt)}"
            : $"Answered by {Code(approval.AnsweredBy ?? "-")} via {Code(approval.Channel ?? "-")}"
              + (approval.Reason is { Length: > 0 } reason ? $": {Code(reason)}" : "");
        blocks.Add(new SlackContext([Mrkdwn(context)]));
        var text = $"{headline}: {Escape(approval.ToolName, inCode: false)} for {Escape(approval.User, inCode: false)}";
        if (link is not null)
        {
            blocks.Add(new SlackActions([new SlackButton(new SlackText("plain_text", pending ? "Open the request" : "Open"), link)]));
            text += $" <{Escape(link, inCode: false).Replace("|", "%7C", StringComparison.Ordinal)}|open the request>";
        }
        return new SlackMessage(text, blocks);
    }

    /// <summary>Slack's three control characters, mentions broken, and (in code) a backtick that cannot close it.</summary>
    internal static string Escape(string text, bool inCode)
    {
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            _ = c switch
            {
                '&' => escaped.Append("&amp;"),
                '<' => escaped.Append("&lt;"),
                '>' => escaped.Append("&gt;"),
                '@' => escaped.Append("@\u2060"),
                '`' when inCode => escaped.Append('\u02CB'),
                _ => escaped.Append(c),
            };
        }
        return escaped.ToString();
    }

    private static string Code(string text)
        => text.Length == 0 ? "-" : "`" + Escape(text.ReplaceLineEndings(" "), inCode: true) + "`";

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    private static SlackText Mrkdwn(string text) => new("mrkdwn", text);
}

[JsonDerivedType(typeof(SlackSection))]
[JsonDerivedType(typeof(SlackContext))]
[JsonDerivedType(typeof(SlackActions))]
internal abstract record SlackBlock(string Type);

internal sealed record SlackSection(SlackText Text) : SlackBlock("section");

internal sealed record SlackContext(IReadOnlyList<SlackText> Elements) : SlackBlock("context");

internal sealed record SlackActions(IReadOnlyList<SlackButton> Elements) : SlackBlock("actions");

internal sealed record SlackText(string Type, string Text);

internal sealed record SlackButton(SlackText Text, string Url, string Type = "button");
