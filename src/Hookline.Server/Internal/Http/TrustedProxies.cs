using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;

namespace Hookline.Server.Internal.Http;

/// <summary>
/// <c>--trusted-proxy ADDR|CIDR</c>: a request whose peer is one of these has its <c>X-Forwarded-Proto</c> and
/// <c>X-Forwarded-For</c> honoured (the scheme and client address the proxy saw), so a dashboard reached over HTTPS
/// through the proxy gets a Secure cookie and the read checks see the real client. From any other peer those headers
/// are ignored: a forged one changes nothing. <c>X-Forwarded-Host</c> is never honoured: the Host checks see the Host
/// header the proxy passed on.
/// </summary>
internal static class TrustedProxies
{
    /// <exception cref="ArgumentException">An entry is neither an IP address nor a CIDR network.</exception>
    public static ForwardedHeadersOptions? Parse(IEnumerable<string> entries)
    {
        ForwardedHeadersOptions? options = null;
        foreach (var raw in entries)
        {
            var entry = raw.Trim();
            if (options is null)
            {
                options = new ForwardedHeadersOptions
                {
                    ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
                    // The proxy's own view: its client is the last address it appended.
                    ForwardLimit = 1,
                };
                // The defaults trust loopback; only what the operator named is trusted.
                options.KnownProxies.Clear();
                options.KnownIPNetworks.Clear();
            }
            if (entry.Contains('/', StringComparison.Ordinal) && System.Net.IPNetwork.TryParse(entry, out var network))
            {
                options.KnownIPNetworks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                options.KnownProxies.Add(address);
                if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                {
                    // Kestrel on a dual-stack socket may see the IPv4 peer as ::ffff:a.b.c.d.
                    options.KnownProxies.Add(address.MapToIPv6());
                }
            }
            else
            {
                throw new ArgumentException($"--trusted-proxy: '{raw}' is neither an IP address (10.0.0.5, ::1) nor a network (10.0.0.0/24)");
            }
        }
        return options;
    }

    public static void UseTrustedProxies(this WebApplication app, ForwardedHeadersOptions? options)
    {
        if (options is not null)
        {
            app.UseForwardedHeaders(options);
        }
    }
}
