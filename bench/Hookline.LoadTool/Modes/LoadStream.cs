using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Hookline.Contracts.V1;
using Hookline.LoadTool.Fixtures;
using Hookline.LoadTool.Measurement;

namespace Hookline.LoadTool.Modes;

/// <summary>
/// One session's stream under load: a writer keeps at most <c>inFlight</c> decisions outstanding, a reader matches
/// decisions by correlation id and counts stored acks, like a busy sidecar.
/// </summary>
internal sealed class LoadStream : IDisposable
{
    private readonly AsyncDuplexStreamingCall<ProcessHookEventRequest, ProcessHookEventResponse> _call;
    private readonly string _sessionId;
    private readonly string _callPrefix = Guid.NewGuid().ToString("N")[..12];
    private readonly SemaphoreSlim _window;
    private readonly ConcurrentDictionary<ulong, long> _sentAt = new();
    private readonly ThroughputCounters _counters;
    private readonly TaskCompletionSource _snapshot = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _reader;

    public LoadStream(AgentService.AgentServiceClient client, string sessionId, int inFlight, ThroughputCounters counters, int sampleCapacity)
    {
        _call = client.ProcessHookEvent();
        _sessionId = sessionId;
        _window = new SemaphoreSlim(inFlight, inFlight);
        _counters = counters;
        Latencies = new LatencySample(sampleCapacity);
    }

    public LatencySample Latencies { get; }

    public int Outstanding => _sentAt.Count;

    public async Task OpenAsync()
    {
        await _call.RequestStream.WriteAsync(new ProcessHookEventRequest
        {
            Open = new Open { SessionId = _sessionId, SidecarVersion = "loadtool", Agent = "claude" },
        });
        _reader = Task.Run(ReadAsync);
        await _snapshot.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Sends events until <paramref name="stop"/> is cancelled, never more than the window outstanding.</summary>
    public async Task SendUntilAsync(int seed, CancellationToken stop)
    {
        ulong correlation = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await _window.WaitAsync(stop);
                var hookEvent = SampleEvents.Event(seed + (int)correlation, _sessionId, ++correlation);
                // A call id of its own, as an agent gives each tool call: coverage then pairs calls as it does in real use.
                hookEvent.ToolUseId = $"toolu_{_callPrefix}{correlation:x}";
                _sentAt[correlation] = Stopwatch.GetTimestamp();
                await _call.RequestStream.WriteAsync(new ProcessHookEventRequest { Event = hookEvent }, CancellationToken.None);
                _counters.AddSent();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Closes the request side; the reader ends when the server ends the stream.</summary>
    public async Task CompleteAsync()
    {
        await _call.RequestStream.CompleteAsync();
        if (_reader is not null)
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var response in _call.ResponseStream.ReadAllAsync())
            {
                switch (response.KindCase)
                {
                    case ProcessHookEventResponse.KindOneofCase.Decision:
                        if (_sentAt.TryRemove(response.Decision.CorrelationId, out var sentAt))
                        {
                            if (_counters.Measuring)
                            {
                                Latencies.Add(Stopwatch.GetTimestamp() - sentAt);
                            }
                            _counters.AddDecision();
                            _window.Release();
                        }
                        break;
                    case ProcessHookEventResponse.KindOneofCase.StoredAck:
                        _counters.AddStored(response.StoredAck.EventIds.Count);
                        break;
                    case ProcessHookEventResponse.KindOneofCase.PolicySnapshot:
                        _snapshot.TrySetResult();
                        break;
                }
            }
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
        {
        }
        finally
        {
            _snapshot.TrySetResult();
        }
    }

    public void Dispose()
    {
        _call.Dispose();
        _window.Dispose();
    }
}
