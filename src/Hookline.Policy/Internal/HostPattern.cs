namespace Hookline.Policy.Internal;

/// <summary><c>domain:example.com</c> (exactly that host) or <c>domain:*.example.com</c> (any subdomain, not the apex).</summary>
internal sealed class HostPattern
{
    private readonly string _host;
    private readonly bool _subdomains;
    private readonly bool _any;

    private HostPattern(string host, bool subdomains, bool any)
    {
        _host = host;
        _subdomains = subdomains;
        _any = any;
    }

    public static HostPattern? TryCreate(string domain, out string? error)
    {
        error = null;
        var d = domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (d == "*")
        {
            return new HostPattern("", subdomains: false, any: true);
        }

        var subdomains = d.StartsWith("*.", StringComparison.Ordinal);
        var host = subdomains ? d[2..] : d;
        if (host.Length == 0 || host.Contains('*') || host.Contains('/') || host.Contains(':') || host.Contains('@'))
        {
            error = $"invalid domain '{domain}': expected a host name such as example.com or *.example.com";
            return null;
        }

        // Compare in ASCII (punycode) form, as the event's host is.
        try
        {
            host = new System.Globalization.IdnMapping().GetAscii(host);
        }
        catch (ArgumentException)
        {
            error = $"invalid domain '{domain}'";
            return null;
        }

        return new HostPattern(host, subdomains, any: false);
    }

    /// <summary>The host every match ends with (for indexing), or null for <c>domain:*</c>.</summary>
    public string? IndexKey => _any ? null : _host;

    public bool IsMatch(string host) =>
        _any || (_subdomains
            ? host.Length > _host.Length + 1 && host.EndsWith(_host, StringComparison.Ordinal) && host[host.Length - _host.Length - 1] == '.'
            : host == _host);
}

internal static class UrlHost
{
    /// <summary>The real host of a URL: lowercase, punycode, no userinfo, port, brackets or trailing dot. Null when unparsable.</summary>
    public static string? Extract(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        // WHATWG URL parsing (what fetchers do) treats '\' as '/': "http://evil.com\@good.com" goes to evil.com.
        var text = url.Trim().Replace('\\', '/');
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "https://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return null;
        }

        string host;
        try
        {
            host = uri.IdnHost;
        }
        catch (InvalidOperationException)
        {
            return null;
        }

        host = host.Trim('[', ']').TrimEnd('.').ToLowerInvariant();
        return host.Length == 0 ? null : host;
    }
}
