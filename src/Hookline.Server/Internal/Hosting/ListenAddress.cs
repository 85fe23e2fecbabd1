using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Hookline.Server.Internal.Hosting;

/// <summary>A listen address from the command line: <c>http://host:port</c>, <c>https://host:port</c> or <c>unix:/path</c>.</summary>
internal sealed record ListenAddress(IPEndPoint? Tcp, string? UnixPath)
{
    public static ListenAddress Parse(string value, string option)
    {
        if (value.StartsWith("unix:", StringComparison.Ordinal))
        {
            var path = value["unix:".Length..];
            if (path.Length == 0)
            {
                throw new ArgumentException($"{option}: unix: needs a socket path");
            }
            return new ListenAddress(null, Path.GetFullPath(path));
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"{option}: expected http://HOST:PORT, https://HOST:PORT or unix:/PATH, got '{value}'");
        }
        var host = uri.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(uri.Host.Trim('[', ']'));
        return new ListenAddress(new IPEndPoint(host, uri.Port), null) { AsksForTls = uri.Scheme == "https" };
    }

    /// <summary>The address was given as https://.</summary>
    public bool AsksForTls { get; private init; }

    /// <summary>Loopback or a Unix socket: only this machine can reach it.</summary>
    public bool IsLocal => UnixPath is not null || IPAddress.IsLoopback(Tcp!.Address);

    public void Bind(KestrelServerOptions kestrel, HttpProtocols protocols, Action<ListenOptions>? tls = null)
    {
        Action<ListenOptions> configure = o =>
        {
            o.Protocols = protocols;
            tls?.Invoke(o);
        };
        if (UnixPath is not null)
        {
            // A stale socket from a killed server would make the bind fail.
            if (File.Exists(UnixPath))
            {
                File.Delete(UnixPath);
            }
            kestrel.ListenUnixSocket(UnixPath, configure);
        }
        else
        {
            kestrel.Listen(Tcp!, configure);
        }
    }

    /// <summary>The address as bound: a port of 0 becomes the port the OS picked.</summary>
    public string Resolve(ICollection<string> boundAddresses, int index, bool tls = false)
    {
        if (UnixPath is not null)
        {
            return "unix:" + UnixPath;
        }
        var scheme = tls ? "https" : "http";
        if (Tcp!.Port != 0)
        {
            return Tcp.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? $"{scheme}://[{Tcp.Address}]:{Tcp.Port}"
                : $"{scheme}://{Tcp.Address}:{Tcp.Port}";
        }
        // Kestrel lists bound addresses in the order the endpoints were added.
        return boundAddresses.ElementAt(index);
    }
}
