using Hookline.Server;
using Hookline.Sidecar;

namespace Hookline.LoadTool.Fixtures;

/// <summary>A loopback server and a sidecar connected to it, both in this process, as <c>hookline start</c> runs them.</summary>
internal sealed class InProcessStack : IAsyncDisposable
{
    private readonly Dictionary<string, int> _sources = new(StringComparer.Ordinal);

    private InProcessStack(HooklineServer server, HooklineSidecar sidecar)
    {
        Server = server;
        Sidecar = sidecar;
        sidecar.Decided += decision =>
        {
            lock (_sources)
            {
                _sources[decision.Source] = _sources.GetValueOrDefault(decision.Source) + 1;
            }
        };
    }

    public HooklineServer Server { get; }

    public HooklineSidecar Sidecar { get; }

    /// <param name="httpHooks">Also serve Claude Code HTTP hooks on loopback.</param>
    /// <param name="inMemoryLink">The sidecar reaches the server in memory, as <c>hookline start</c> does, not over gRPC on loopback.</param>
    /// <param name="configure">Changes to the server's options (policy, HTTP port, authentication).</param>
    /// <param name="budget">The sidecar's decision budget (default: the sidecar's own).</param>
    public static async Task<InProcessStack> StartAsync(TempDirectory directory, bool httpHooks = false, bool inMemoryLink = false,
        Action<HooklineServerOptions>? configure = null, TimeSpan? budget = null)
    {
        var server = await InProcessServer.StartAsync(directory, embedded: true, configure: configure);
        var sidecar = await HooklineSidecar.StartAsync(new SidecarOptions
        {
            ServerUrl = server.GrpcAddress,
            CallInvoker = inMemoryLink ? server.CreateInProcessInvoker() : null,
            SocketPath = directory.Combine("hook.sock"),
            StateDirectory = directory.Combine("state"),
            Cwd = "/home/dev/proj",
            HttpHooks = httpHooks,
            Budget = budget ?? new SidecarOptions().Budget,
        });
        if (!sidecar.IsConnected)
        {
            throw new InvalidOperationException("the sidecar did not connect to the in-process server");
        }
        return new InProcessStack(server, sidecar);
    }

    /// <summary>How many hooks were answered from each decision source (remote, local, ...).</summary>
    public string Sources()
    {
        lock (_sources)
        {
            return string.Join(", ", _sources.OrderByDescending(s => s.Value).Select(s => $"{s.Key} {s.Value}"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Sidecar.FlushAsync(TimeSpan.FromSeconds(10));
        await Sidecar.DisposeAsync();
        await Server.DisposeAsync();
    }
}
