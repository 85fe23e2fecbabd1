using Hookline.Server.Internal.ReadApi;
using Hookline.Server.Internal.Storage.Sqlite;
using Hookline.Server.Internal.Storage;
using Microsoft.AspNetCore.Builder;

namespace Hookline.Server.Internal.Ui;

/// <summary>Wires the read API, the live feed and the dashboard pages onto the HTTP/1.1 endpoint.</summary>
internal static class Dashboard
{
    /// <summary>
    /// The read side over the server's own store. SQLite gets the indexes the paged queries need here; PostgreSQL has
    /// them in its schema (step 7), built once under the migration lock rather than by every replica at start.
    /// </summary>
    public static IAuditReader Prepare(IAuditStore store)
    {
        if (store is SqliteStore sqlite)
        {
            using var connection = sqlite.Open();
            using var command = connection.CreateCommand();
            command.CommandText = SqliteAuditReader.IndexesSql + "PRAGMA optimize;";
            command.ExecuteNonQuery();
        }
        return store.Reader;
    }

    public static void Map(WebApplication app, bool authRequired)
    {
        if (authRequired)
        {
            Ui.DashboardLogin.Map(app);
        }
        else
        {
            ReadAccess.Use(app);
        }
        ReadApiEndpoints.Map(app);
        Ui.DashboardPages.Map(app);
        Ui.DashboardOverview.Map(app);
        Ui.DashboardApprovals.Map(app);
    }
}
