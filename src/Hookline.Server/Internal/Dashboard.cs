using Microsoft.AspNetCore.Builder;

namespace Hookline.Server.Internal;

/// <summary>Wires the read API, the live feed and the dashboard pages onto the HTTP/1.1 endpoint.</summary>
internal static class Dashboard
{
    /// <summary>The read side over the server's own store; creates the indexes it needs. SQLite only, for now.</summary>
    public static AuditQueries? CreateQueries(IAuditStore store)
    {
        if (store is not SqliteStore sqlite)
        {
            return null;
        }
        return CreateQueries(sqlite);
    }

    private static AuditQueries CreateQueries(SqliteStore store)
    {
        using (var connection = store.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = AuditQueries.IndexesSql + "PRAGMA optimize;";
            command.ExecuteNonQuery();
        }
        return new AuditQueries(store.Open);
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
        ReadApi.Map(app);
        Ui.DashboardPages.Map(app);
    }
}
