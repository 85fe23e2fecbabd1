using Hookline.Server.Internal.Ui;
using Microsoft.Extensions.Time.Testing;

namespace Hookline.Server.Tests;

/// <summary>
/// The dashboard's sessions are bounded, and fairly: one token signing in over and over replaces its own oldest
/// sessions, never other people's, so a read token cannot sign everyone else out by filling the map.
/// </summary>
public sealed class DashboardSessionBoundTests
{
    [Fact]
    public void Repeated_sign_ins_with_one_token_replace_its_own_sessions_and_leave_others_signed_in()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var sessions = new DashboardSessions(time);
        var victim = sessions.Create("hl_victim");
        var attacker = new List<DashboardSession>();

        for (var i = 0; i < DashboardSessions.MaxSessions + 10; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(1));
            attacker.Add(sessions.Create("hl_reader"));
        }

        Assert.NotNull(sessions.Find(victim.Id));
        Assert.Equal(DashboardSessions.MaxSessionsPerToken, attacker.Count(s => sessions.Find(s.Id) is not null));
        Assert.NotNull(sessions.Find(attacker[^1].Id));
        Assert.Null(sessions.Find(attacker[0].Id));
    }
}
