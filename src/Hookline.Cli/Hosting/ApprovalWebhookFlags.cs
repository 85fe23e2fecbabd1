using System.CommandLine;
using Hookline.Server;

namespace Hookline.Cli.Hosting;

/// <summary>
/// The approval webhook of <c>hookline server</c>: where new and resolved approvals are announced, signed with a
/// secret kept in a private file, and the public address its links point to. As every flag, also a key of <c>--config</c>.
/// </summary>
internal sealed class ApprovalWebhookFlags
{
    private readonly Option<Uri?> _url = new("--approval-webhook")
    {
        Description = "POST a signed notice of each new and resolved approval to this URL (https://; http:// on loopback only)",
        CustomParser = result => Uri.TryCreate(result.Tokens[0].Value, UriKind.Absolute, out var uri) ? uri : Invalid(result, "--approval-webhook", "an absolute URL"),
    };

    private readonly Option<string?> _secretFile = new("--approval-webhook-secret-file")
    {
        Description = "File (mode 0600) holding the webhook's HMAC-SHA256 signing secret (X-Hookline-Signature)",
    };

    private readonly Option<string> _format = new("--approval-webhook-format")
    {
        Description = "generic: JSON with the approval's fields and a link; slack: a Slack-compatible message",
        DefaultValueFactory = _ => "generic",
    };

    private readonly Option<Uri?> _publicUrl = new("--public-url")
    {
        Description = "This server's address as approvers' browsers reach it; the webhook links to {public-url}/approvals/ID",
        CustomParser = result => Uri.TryCreate(result.Tokens[0].Value, UriKind.Absolute, out var uri) ? uri : Invalid(result, "--public-url", "an absolute http:// or https:// URL"),
    };

    public ApprovalWebhookFlags() => _format.AcceptOnlyFromAmong("generic", "slack");

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _url, _secretFile, _format, _publicUrl })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Sets <see cref="HooklineServerOptions.ApprovalWebhook"/>; the server validates the rest when it starts.</summary>
    /// <exception cref="ArgumentException">A flag without the others it needs, or an unusable secret file.</exception>
    public HooklineServerOptions Apply(ParseResult parse, HooklineServerOptions options)
    {
        var url = parse.GetValue(_url);
        var secretFile = parse.GetValue(_secretFile);
        if (url is null)
        {
            var stray = secretFile is not null ? "--approval-webhook-secret-file"
                : parse.GetValue(_publicUrl) is not null ? "--public-url"
                : parse.GetResult(_format) is { Implicit: false } ? "--approval-webhook-format"
                : null;
            return stray is null ? options : throw new ArgumentException($"{stray} needs --approval-webhook URL");
        }
        if (secretFile is null)
        {
            throw new ArgumentException("--approval-webhook needs --approval-webhook-secret-file FILE: every notice is signed");
        }
        options.ApprovalWebhook = new ApprovalWebhookOptions
        {
            Url = url,
            Secret = ApprovalWebhookOptions.ReadSecretFile(secretFile),
            Format = parse.GetValue(_format) == "slack" ? ApprovalWebhookFormat.Slack : ApprovalWebhookFormat.Generic,
            PublicUrl = parse.GetValue(_publicUrl),
        };
        return options;
    }

    private static Uri? Invalid(System.CommandLine.Parsing.ArgumentResult result, string flag, string what)
    {
        result.AddError($"{flag} {result.Tokens[0].Value}: {what}");
        return null;
    }
}
