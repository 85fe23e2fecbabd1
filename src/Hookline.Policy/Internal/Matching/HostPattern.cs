using Hookline.Policy.Internal.Shell;

namespace Hookline.Policy.Internal.Matching;

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

    public bool IsMatch(ReadOnlySpan<char> host) =>
        _any || (_subdomains
            ? host.Length > _host.Length + 1 && host.EndsWith(_host, StringComparison.Ordinal) && host[host.Length - _host.Length - 1] == '.'
            : host.SequenceEqual(_host));
}

internal static class UrlHost
{
    private const int MaxFastUrl = 2048;

    /// <summary>
    /// <see cref="Extract"/> into the arena. Plain http(s) URLs with an ASCII DNS host are read here without allocating;
    /// anything unusual (IP literals, IDN, escapes, odd userinfo) goes through <see cref="Uri"/>, as before.
    /// </summary>
    public static TextRange ExtractInto(ReadOnlySpan<char> url, TextArena arena)
    {
        if (TryFastHost(url.Trim(), out var host))
        {
            var start = arena.Length;
            var written = host.ToLowerInvariant(arena.GetSpan(host.Length));
            arena.Advance(written);
            return new TextRange(start, written);
        }

        return Extract(url.ToString()) is { } slow ? arena.Append(slow) : TextRange.None;
    }

    private static bool TryFastHost(ReadOnlySpan<char> text, out ReadOnlySpan<char> host)
    {
        host = default;
        if (text.Length == 0 || text.Length > MaxFastUrl || text.ContainsAnyExcept(PrintableAscii) || text.Contains('\\'))
        {
            return false;
        }

        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var name = text[..scheme];
            if (!name.Equals("http", StringComparison.OrdinalIgnoreCase) && !name.Equals("https", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            text = text[(scheme + 3)..];
        }

        var end = text.IndexOfAny('/', '?', '#');
        var authority = end < 0 ? text : text[..end];
        var at = authority.IndexOf('@');
        if (at >= 0)
        {
            if (authority[(at + 1)..].Contains('@') || authority[..at].ContainsAnyExcept(UserInfoChars))
            {
                return false;
            }

            authority = authority[(at + 1)..];
        }

        var colon = authority.IndexOf(':');
        if (colon >= 0)
        {
            var port = authority[(colon + 1)..];
            if (port.Length is 0 or > 5 || !int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var portNumber) || portNumber > 65535)
            {
                return false;
            }

            authority = authority[..colon];
        }

        if (authority.EndsWith('.'))
        {
            authority = authority[..^1];
        }

        if (authority.Length is 0 or > 253 || !IsPlainDnsName(authority))
        {
            return false;
        }

        host = authority;
        return true;
    }

    private static readonly System.Buffers.SearchValues<char> PrintableAscii = System.Buffers.SearchValues.Create(PrintableAsciiChars());

    private static readonly System.Buffers.SearchValues<char> UserInfoChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._~:-");

    private static string PrintableAsciiChars()
    {
        var chars = new char[0x7e - 0x21 + 1];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)(0x21 + i);
        }

        return new string(chars);
    }

    /// <summary>Letters, digits and inner hyphens; no punycode; a last label that is not numeric (Uri reads those as IPv4).</summary>
    private static bool IsPlainDnsName(ReadOnlySpan<char> host)
    {
        foreach (var range in host.Split('.'))
        {
            var label = host[range];
            if (label.Length is 0 or > 63 || !char.IsAsciiLetterOrDigit(label[0]) || !char.IsAsciiLetterOrDigit(label[^1])
                || label.ContainsAnyExcept(LabelChars) || label.StartsWith("xn--", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }

            if (range.End.GetOffset(host.Length) == host.Length && char.IsAsciiDigit(label[0]))
            {
                return false;
            }
        }

        return true;
    }

    private static readonly System.Buffers.SearchValues<char> LabelChars =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

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
