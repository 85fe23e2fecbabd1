using Hookline.Server.Internal.Decisions;
using Hookline.Server.Internal.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Hookline.Server.Internal.Storage.Postgres;

/// <summary>
/// With PostgreSQL: LISTENs for new policy epochs, so that an epoch applied through any replica reaches this
/// replica's streams at once. Reconnects with backoff; after every (re)connect, and every 30 s of silence, it reads
/// the newest epoch anyway, so a notification lost while the connection was down is not lost for good. With the
/// dashboard on, the same connection also hears the other replicas' stored batches, for the live feed.
/// </summary>
internal sealed class PolicyListener : BackgroundService
{
    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(30);
    private readonly IAuditStore _store;
    private readonly PolicyHolder _policy;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    private readonly ReplicaFeed? _replicaFeed;
    private readonly Approvals.ApprovalService? _approvals;

    public PolicyListener(IAuditStore store, PolicyHolder policy, TimeProvider time, ILogger<PolicyListener> logger, ReplicaFeed? replicaFeed = null,
        Approvals.ApprovalService? approvals = null)
    {
        _replicaFeed = replicaFeed;
        _approvals = approvals;
        _store = store;
        _policy = policy;
        _time = time;
        _logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_store is not PostgresStore postgres)
        {
            return;
        }
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = postgres.CreateListenerConnection();
                await connection.OpenAsync(stoppingToken).ConfigureAwait(false);
                var policyNotified = true;
                connection.Notification += (_, e) =>
                {
                    if (e.Channel == PostgresStore.EventsChannel)
                    {
                        _replicaFeed?.Notified(e.Payload);
                    }
                    else if (e.Channel == Approvals.ApprovalStore.Channel)
                    {
                        // An approval opened or answered on any replica: waiting streams here hear it.
                        _approvals?.Notified(e.Payload);
                    }
                    else
                    {
                        policyNotified = true;
                    }
                };
                var channels = (_replicaFeed is null ? "" : $" LISTEN {PostgresStore.EventsChannel};")
                    + (_approvals is null ? "" : $" LISTEN {Approvals.ApprovalStore.Channel};");
                await using (var listen = new NpgsqlCommand($"LISTEN {PostgresStore.PolicyChannel};{channels}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }
                _replicaFeed?.Listening();
                // What was answered while this connection was down was not heard: the rows say.
                _approvals?.Resync();
                failures = 0;
                while (!stoppingToken.IsCancellationRequested)
                {
                    // Stored batches arrive far more often than epochs; only an epoch, or silence, reads the policy.
                    if (policyNotified)
                    {
                        policyNotified = false;
                        _policy.Refresh();
                    }
                    if (!await connection.WaitAsync(Silence, stoppingToken).ConfigureAwait(false))
                    {
                        policyNotified = true;
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (_store.IsTransient(ex) || ex is InvalidOperationException)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(2, Math.Min(failures, 10))));
                Log.PolicyListenerDown(_logger, ex, (long)delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
