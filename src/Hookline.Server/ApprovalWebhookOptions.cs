namespace Hookline.Server;

/// <summary>The body an approval webhook sends (see docs/approvals.md, "Webhook").</summary>
public enum ApprovalWebhookFormat
{
    /// <summary><c>{"event", "link", "approval": {the fields of hookline approvals list --json}}</c>.</summary>
    Generic,

    /// <summary>A Slack-compatible message (<c>text</c> and <c>blocks</c>, mrkdwn with chat formatting escaped).</summary>
    Slack,
}

/// <summary>
/// Where the server tells people that an approval waits for them: one signed POST per new pending approval and one
/// when it is resolved, retried with backoff until the approval expires. An approval never waits for the webhook.
/// </summary>
public sealed record ApprovalWebhookOptions
{
    /// <summary>The receiver: <c>https://</c>, or <c>http://</c> on loopback only (the body names commands and users).</summary>
    public required Uri Url { get; init; }

    /// <summary>The HMAC-SHA256 key of <c>X-Hookline-Signature</c>; see <see cref="ReadSecretFile"/>.</summary>
    public required byte[] Secret { get; init; }

    public ApprovalWebhookFormat Format { get; init; } = ApprovalWebhookFormat.Generic;

    /// <summary>
    /// The server's address as approvers' browsers reach it (absolute http or https, e.g. behind a proxy): links point
    /// to <c>{PublicUrl}/approvals/{id}</c>. Null: no link is sent.
    /// </summary>
    public Uri? PublicUrl { get; init; }

    /// <summary>How long one attempt (connect, send, response headers) may take.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long connecting to the receiver may take, within <see cref="AttemptTimeout"/>.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The first retry's delay; each further one doubles, up to <see cref="MaxRetryDelay"/> (with jitter).</summary>
    public TimeSpan MinRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Deliveries waiting to be sent; one more drops the oldest (counted and logged): the webhook is a notice, the
    /// approval itself never waits for it.
    /// </summary>
    public int QueueCapacity { get; init; } = 256;

    /// <summary>Deliveries in flight at once (each retried on its own until its approval expires).</summary>
    public int Concurrency { get; init; } = 4;

    /// <summary>Also send one delivery (<c>approval.resolved</c>) when an approval is approved, denied or times out.</summary>
    public bool SendResolved { get; init; } = true;

    /// <summary>The most bytes of a secret file.</summary>
    public const int MaxSecretBytes = 4096;

    /// <summary>
    /// The secret in <paramref name="path"/>: its content with surrounding white space trimmed (a trailing newline is
    /// not part of the key). The file must be private (no group or other permission bits) and not empty.
    /// </summary>
    /// <exception cref="ArgumentException">The file is unreadable, open to other users, empty or too large.</exception>
    public static byte[] ReadSecretFile(string path) => Core.PrivateFiles.ReadSecret(path, MaxSecretBytes, "--approval-webhook-secret-file");

    /// <summary>Refuses options a server must not start with, saying which flag is wrong.</summary>
    /// <exception cref="ArgumentException">A plain-http receiver beyond loopback, an empty secret, a relative public URL.</exception>
    public void Validate()
    {
        if (!Url.IsAbsoluteUri || Url.Scheme is not ("https" or "http") || (Url.Scheme == "http" && !Url.IsLoopback))
        {
            throw new ArgumentException(
                $"--approval-webhook {Shown(Url)}: an https:// URL (http:// only on loopback: the body names commands, users and sessions)");
        }
        if (!string.IsNullOrEmpty(Url.UserInfo))
        {
            throw new ArgumentException("--approval-webhook: no user:password in the URL (it would be logged); the signature authenticates");
        }
        if (Secret.Length == 0)
        {
            throw new ArgumentException("--approval-webhook-secret-file: the secret is empty");
        }
        if (PublicUrl is { } link && (!link.IsAbsoluteUri || link.Scheme is not ("https" or "http") || link.Host.Length == 0
            || !string.IsNullOrEmpty(link.Query) || !string.IsNullOrEmpty(link.Fragment) || !string.IsNullOrEmpty(link.UserInfo)))
        {
            throw new ArgumentException($"--public-url {link}: an absolute http:// or https:// URL, without query, fragment or user");
        }
        if (AttemptTimeout <= TimeSpan.Zero || ConnectTimeout <= TimeSpan.Zero || MinRetryDelay <= TimeSpan.Zero
            || MaxRetryDelay < MinRetryDelay || QueueCapacity < 1 || Concurrency < 1)
        {
            throw new ArgumentException("approval webhook: timeouts and delays must be positive, the queue and concurrency at least 1");
        }
    }

    /// <summary>Scheme, host and port only: a receiver's path can be its secret (a Slack webhook URL is).</summary>
    internal static string Shown(Uri url) => url.IsAbsoluteUri ? url.GetLeftPart(UriPartial.Authority) : "(a relative URL)";
}
