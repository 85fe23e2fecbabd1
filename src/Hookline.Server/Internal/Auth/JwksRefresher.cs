using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hookline.Server.Internal.Auth;

/// <summary>Reads the JWKS again every <see cref="OidcOptions.JwksRefresh"/>, so a provider's key rotation reaches the server.</summary>
internal sealed class JwksRefresher(JwtValidator validator, OidcOptions options, TimeProvider time, ILogger<JwksRefresher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.JwksRefresh, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    // Off the timer's thread: a slow provider delays only the next refresh, never a caller.
                    await Task.Run(validator.Refresh, stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is ArgumentException or IOException or HttpRequestException or TaskCanceledException
                    && !stoppingToken.IsCancellationRequested)
                {
                    Log.JwksRefreshFailed(logger, ex, options.Jwks);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
