using Grpc.Core;

namespace Hookline.Server.Internal.InProcess;

/// <summary>The server side of one in-process call: the caller's headers, deadline and cancellation, no peer.</summary>
internal sealed class InProcessCallContext : ServerCallContext
{
    public const string PeerName = "in-process";

    private readonly string _method;
    private readonly Metadata _requestHeaders;
    private readonly DateTime _deadline;
    private readonly CancellationToken _cancellation;
    private readonly Metadata _responseTrailers = [];
    private readonly AuthContext _authContext = new(null, new Dictionary<string, List<AuthProperty>>());

    public InProcessCallContext(string method, Metadata? requestHeaders, DateTime? deadline, CancellationToken cancellation)
    {
        _method = method;
        _requestHeaders = requestHeaders ?? [];
        _deadline = deadline ?? DateTime.MaxValue;
        _cancellation = cancellation;
    }

    protected override string MethodCore => _method;
    protected override string HostCore => PeerName;
    protected override string PeerCore => PeerName;
    protected override DateTime DeadlineCore => _deadline;
    protected override Metadata RequestHeadersCore => _requestHeaders;
    protected override CancellationToken CancellationTokenCore => _cancellation;
    protected override Metadata ResponseTrailersCore => _responseTrailers;
    protected override Status StatusCore { get; set; }
    protected override WriteOptions? WriteOptionsCore { get; set; }
    protected override AuthContext AuthContextCore => _authContext;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options)
        => throw new NotSupportedException("in-process calls do not propagate");

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}
