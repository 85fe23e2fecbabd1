using Hookline.Core;
using Microsoft.Extensions.Hosting;

namespace Hookline.Server.Internal.Approvals;

/// <summary>
/// Deadlines: one timer, set for the earliest pending deadline, times approvals out with their on_timeout. On start it
/// finds the rows a previous run left pending (they survive a restart). Any replica may sweep: the conditional update
/// makes one of them the winner, which writes the audit row.
/// </summary>
internal sealed partial class ApprovalService : IHostedService, IDisposable
{
    private const int SweepBatch = 100;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly ITimer _timer;
    private readonly Lock _scheduleLock = new();
    private readonly SemaphoreSlim _sweeping = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private long _scheduledMs = long.MaxValue;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Kick();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _timer.Dispose();
        _stopping.Dispose();
    }

    /// <summary>With PostgreSQL: an approval changed on some replica (this one included); its row says how.</summary>
    public void Notified(string id)
    {
        if (!Auth.SessionGate.IsUuid(id))
        {
            return;
        }
        _ = ReloadAsync(id);

        async Task ReloadAsync(string approvalId)
        {
            try
            {
                await CatchUpAsync(approvalId, _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested)
            {
                ApprovalLog.ReloadFailed(_logger, ex, approvalId);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>
    /// With PostgreSQL, once the LISTEN connection is up (again): what was opened or answered while it was down was
    /// not heard. The rows say: this replica's waiters hear their resolutions, the live page the pending approvals.
    /// </summary>
    public void Resync()
    {
        foreach (var id in _waiters.Approvals())
        {
            Notified(id);
        }
        _ = AnnouncePendingAsync();
        Kick();

        async Task AnnouncePendingAsync()
        {
            try
            {
                foreach (var approval in await _store.ListAsync(null, ApprovalProtocol.StatusPending, 1000, _stopping.Token).ConfigureAwait(false))
                {
                    Announce(approval);
                }
            }
            catch (Exception ex) when (!_stopping.IsCancellationRequested)
            {
                ApprovalLog.ResyncFailed(_logger, ex);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Sets the timer for <paramref name="deadlineMs"/> unless it is set for earlier already.</summary>
    private void Schedule(long deadlineMs)
    {
        lock (_scheduleLock)
        {
            if (deadlineMs >= _scheduledMs || _stopping.IsCancellationRequested)
            {
                return;
            }
            _scheduledMs = deadlineMs;
            _timer.Change(TimeSpan.FromMilliseconds(Math.Max(0, deadlineMs - NowMs)), Timeout.InfiniteTimeSpan);
        }
    }

    private void Kick() => _ = SweepAsync();

    /// <summary>Times out every pending approval past its deadline, then sets the timer for the next deadline.</summary>
    private async Task SweepAsync()
    {
        var cancellation = _stopping.Token;
        try
        {
            await _sweeping.WaitAsync(cancellation).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            lock (_scheduleLock)
            {
                _scheduledMs = long.MaxValue;
            }
            List<ApprovalView> due;
            do
            {
                due = await _store.DueAsync(NowMs, SweepBatch, cancellation).ConfigureAwait(false);
                foreach (var approval in due)
                {
                    await ExpireAsync(approval, cancellation).ConfigureAwait(false);
                }
            }
            while (due.Count == SweepBatch);
            if (await _store.NextDeadlineAsync(cancellation).ConfigureAwait(false) is { } next)
            {
                Schedule(next);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            ApprovalLog.SweepFailed(_logger, ex, (long)RetryDelay.TotalMilliseconds);
            Schedule(NowMs + (long)RetryDelay.TotalMilliseconds);
        }
        finally
        {
            _sweeping.Release();
        }
    }

    /// <summary>
    /// Times out one approval past its deadline. The winner of the conditional update records the timeout and passes
    /// it on; a loser (answered just before, or another replica swept first) passes on what the row says.
    /// </summary>
    private async Task ExpireAsync(ApprovalView approval, CancellationToken cancellation)
    {
        var now = _time.GetUtcNow();
        if (!await _store.ResolveAsync(approval.Id, ApprovalProtocol.StatusTimedOut, "", ApprovalProtocol.ChannelTimeout, "",
            now.ToUnixTimeMilliseconds(), cancellation).ConfigureAwait(false))
        {
            if (await _store.FindAsync(null, approval.Id, cancellation).ConfigureAwait(false) is { Status: not ApprovalProtocol.StatusPending } current)
            {
                Resolved(current);
            }
            return;
        }
        var timedOut = approval with
        {
            Status = ApprovalProtocol.StatusTimedOut, AnsweredBy = "", AnsweredAt = now, Channel = ApprovalProtocol.ChannelTimeout, Reason = "",
        };
        _metrics.ApprovalTimedOut();
        ApprovalLog.TimedOut(_logger, approval.Id, approval.OnTimeout);
        // The timeout is in the audit trail before the waiting hooks hear it.
        await RecordAsync(timedOut, now, authenticated: false).WaitAsync(cancellation).ConfigureAwait(false);
        Resolved(timedOut);
    }
}
