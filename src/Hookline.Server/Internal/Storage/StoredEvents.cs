using System.Data.Common;

namespace Hookline.Server.Internal.Storage;

/// <summary>Reads what a store holds under a batch's event ids, the same way on both backends.</summary>
internal static class StoredEvents
{
    /// <summary>
    /// The columns to select (then what the rollups count of the row, to move when an applied decision fills it in). A reported applied decision always carries its latency; the server's own answer, which
    /// stands in until a sidecar reports one, has none.
    /// </summary>
    public static readonly string Columns =
        "event_id, session_id, hash, CASE WHEN applied_latency_us IS NULL THEN 0 ELSE 1 END, applied_verdict, applied_source, "
        + CountedEvent.Columns();

    public static Dictionary<string, StoredEvent> Read(DbDataReader reader)
    {
        var stored = new Dictionary<string, StoredEvent>(StringComparer.Ordinal);
        while (reader.Read())
        {
            stored[reader.GetString(0)] = new StoredEvent(
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                Convert.ToInt64(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture) == 1,
                reader.IsDBNull(4) ? null : reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5))
            {
                Counted = CountedEvent.Read(reader, 6),
            };
        }
        return stored;
    }
}
