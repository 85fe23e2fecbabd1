using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Hookline.Server.Internal;

/// <summary>A listen address from the command line: <c>http://host:port</c> or <c>unix:/path</c>.</summary>
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
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != "http")
        {
            throw new ArgumentException($"{option}: expected http://HOST:PORT or unix:/PATH, got '{value}'");
        }
        var host = uri.Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(uri.Host.Trim('[', ']'));
        return new ListenAddress(new IPEndPoint(host, uri.Port), null);
    }

    public void Bind(KestrelServerOptions kestrel, HttpProtocols protocols)
    {
        if (UnixPath is not null)
        {
            // A stale socket from a killed server would make the bind fail.
            if (File.Exists(UnixPath))
            {
                File.Delete(UnixPath);
            }
            kestrel.ListenUnixSocket(UnixPath, o => o.Protocols = protocols);
        }
        else
        {
            kestrel.Listen(Tcp!, o => o.Protocols = protocols);
        }
    }

    /// <summary>The address as bound: a port of 0 becomes the port the OS picked.</summary>
    public string Resolve(ICollection<string> boundAddresses, int index)
    {
        if (UnixPath is not null)
        {
            return "unix:" + UnixPath;
        }
        if (Tcp!.Port != 0)
        {
            return Tcp.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
                ? $"http://[{Tcp.Address}]:{Tcp.Port}"
                : $"http://{Tcp.Address}:{Tcp.Port}";
        }
        // Kestrel lists bound addresses in the order the endpoints were added.
        return boundAddresses.ElementAt(index);
    }
}
