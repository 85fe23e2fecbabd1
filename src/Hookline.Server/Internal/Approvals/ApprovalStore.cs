using System.Data.Common;
using System.Text.Json;
using Hookline.Core;
using Hookline.Server.Internal.Storage;
using Hookline.Server.Internal.Storage.Postgres;

namespace Hookline.Server.Internal.Approvals;

/// <summary>
/// The <c>approvals</c> table, in either store: the same statements for SQLite and PostgreSQL, each on a connection
/// of its own, awaited (PostgreSQL answers over the network without holding a thread; SQLite answers synchronously
/// behind the same calls, as the session writes do). An answer is one conditional update, so the first wins on
/// every replica. With PostgreSQL every change is announced on <see cref="Channel"/>.
/// </summary>
internal sealed class ApprovalStore
{
    /// <summary>The LISTEN/NOTIFY channel of approvals: the payload is the approval's id.</summary>
    public const string Channel = "hookline_approvals";

    private const string Columns = """
        id, org, session_id, event_id, agent, user_name, tool_name, subject, rule_id, approvers, self_approve, remember,
        on_timeout, created_at_ms, expires_at_ms, status, answered_by, answered_at_ms, channel, reason
        """;

    private readonly AuditStore _store;
    private readonly bool _announces;

    public ApprovalStore(IAuditStore store)
    {
        _store = (AuditStore)store;
        _announces = store is PostgresStore;
    }

    public async Task InsertAsync(ApprovalView approval, string subjectKey, CancellationToken cancellation)
    {
        await using var connection = await _store.OpenAsync(cancellation).ConfigureAwait(false);
        await using var insert = connection.CreateCommand();
        insert.CommandText = $"""
            INSERT INTO approvals ({Columns}, subject_key)
            VALUES (@id, @org, @session, @event, @agent, @user, @tool, @subject, @rule, @approvers, @self, @remember,
                    @on_timeout, @created, @expires, @status, NULL, NULL, NULL, NULL, @key);
            """;
        Add(insert, "id", approval.Id);
        Add(insert, "org", approval.Org);
        Add(insert, "session", approval.SessionId);
        Add(insert, "event", approval.EventId);
        Add(insert, "agent", approval.Agent);
        Add(insert, "user", approval.User);
        Add(insert, "tool", approval.ToolName);
        Add(insert, "subject", approval.Subject);
        Add(insert, "rule", approval.RuleId);
        Add(insert, "approvers", JsonSerializer.Serialize(approval.Approvers.ToList(), ApprovalStoreJson.Default.ListString));
        Add(insert, "self", approval.SelfApprove ? 1L : 0L);
        Add(insert, "remember", approval.Remember);
        Add(insert, "on_timeout", approval.OnTimeout);
        Add(insert, "created", approval.CreatedAt.ToUnixTimeMilliseconds());
        Add(insert, "expires", approval.ExpiresAt.ToUnixTimeMilliseconds());
        Add(insert, "status", approval.Status);
        Add(insert, "key", subjectKey);
        await insert.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
        await AnnounceAsync(connection, approval.Id, cancellation).ConfigureAwait(false);
    }

    /// <summary>One approval by id, in <paramref name="org"/> (null: any org).</summary>
    public async Task<ApprovalView?> FindAsync(string? org, string id, CancellationToken cancellation)
    {
        var rows = await SelectAsync("id = @id", command =>
        {
            Add(command, "id", id);
            return OrgCondition(command, org);
        }, "", cancellation).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Newest first, in <paramref name="org"/> (null: any org), of one status or all.</summary>
    public Task<List<ApprovalView>> ListAsync(string? org, string? status, int limit, CancellationToken cancellation)
        => SelectAsync("1 = 1", command =>
        {
            var where = OrgCondition(command, org);
            if (status is not null)
            {
                Add(command, "status", status);
                where += " AND status = @status";
            }
            Add(command, "limit", (long)Math.Clamp(limit, 1, 1000));
            return where;
        }, "ORDER BY created_at_ms DESC, id LIMIT @limit", cancellation);

    /// <summary>The pending, unexpired approval an identical request folds into: same session, rule and subject.</summary>
    public async Task<ApprovalView?> FindPendingAsync(string sessionId, string ruleId, string subjectKey, long nowMs, CancellationToken cancellation)
    {
        var rows = await SelectAsync(
            "session_id = @session AND status = 'pending' AND rule_id = @rule AND subject_key = @key AND expires_at_ms > @now",
            command =>
            {
                Add(command, "now", nowMs);
                return SessionRuleSubject(command, sessionId, ruleId, subjectKey);
            }, "ORDER BY created_at_ms LIMIT 1", cancellation)
            .ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>
    /// Whether the session had this rule's subject approved already by an approval that was itself to be remembered
    /// (<c>remember: session</c>): an approval given once stays once, even after the rule starts remembering.
    /// </summary>
    public async Task<bool> WasApprovedAsync(string sessionId, string ruleId, string subjectKey, CancellationToken cancellation)
    {
        await using var connection = await _store.OpenAsync(cancellation).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT COUNT(*) FROM approvals
            WHERE session_id = @session AND status = 'approved' AND remember = 'session' AND rule_id = @rule AND subject_key = @key;
            """;
        SessionRuleSubject(select, sessionId, ruleId, subjectKey);
        return Convert.ToInt64(await select.ExecuteScalarAsync(cancellation).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    /// <summary>The session's approvals still waiting for an answer.</summary>
    public async Task<long> CountPendingAsync(string sessionId, long nowMs, CancellationToken cancellation)
    {
        await using var connection = await _store.OpenAsync(cancellation).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT COUNT(*) FROM approvals WHERE session_id = @session AND status = 'pending' AND expires_at_ms > @now;";
        Add(select, "session", sessionId);
        Add(select, "now", nowMs);
        return Convert.ToInt64(await select.ExecuteScalarAsync(cancellation).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Approvals of <paramref name="org"/> (null: any org) still pending, as the approvals page lists them.</summary>
    public async Task<long> CountPendingAsync(string? org, CancellationToken cancellation)
    {
        await using var connection = await _store.OpenAsync(cancellation).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = $"SELECT COUNT(*) FROM approvals WHERE status = 'pending' AND {OrgCondition(select, org)};";
        return Convert.ToInt64(await select.ExecuteScalarAsync(cancellation).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Pending approvals whose deadline passed (at most <paramref name="limit"/>), oldest deadline first.</summary>
    public Task<List<ApprovalView>> DueAsync(long nowMs, int limit, CancellationToken cancellation)
        => SelectAsync("status = 'pending' AND expires_at_ms <= @now", command =>
        {
            Add(command, "now", nowMs);
            Add(command, "limit", (long)limit);
            return "1 = 1";
        }, "ORDER BY expires_at_ms LIMIT @limit", cancellation);

    /// <summary>The earliest deadline of a pending approval, or null when none is pending.</summary>
    public async Task<long?> NextDeadlineAsync(CancellationToken cancellation)
    {
        await using var connection = await _store.OpenAsync(cancellation).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT MIN(expires_at_ms) FROM approvals WHERE status = 'pending';";
        return await select.ExecuteScalarAsync(cancellation).ConfigureAwait(false) is { } value and not DBNull
            ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }

    /// <summary>
    /// Resolves a pending approval, once. An answer (approved, denied) only before its deadline, a timeout only after
    /// it: whichever comes first wins, on every replica. Returns false when another answer or the deadline came first.
    /// </summary>
    public async Task<bool> ResolveAsync(string id, string status, string answeredBy, string channel, string reason, long nowMs,
        CancellationToken cancellation)
    {
        await using var connection = await _store.OpenAsync(cancellation).ConfigureAwait(false);
        await using var update = connection.CreateCommand();
        var deadline = status == ApprovalProtocol.StatusTimedOut ? "expires_at_ms <= @now" : "expires_at_ms > @now";
        update.CommandText = $"""
            UPDATE approvals SET status = @status, answered_by = @by, answered_at_ms = @now, channel = @channel, reason = @reason
            WHERE id = @id AND status = 'pending' AND {deadline};
            """;
        Add(update, "status", status);
        Add(update, "by", answeredBy);
        Add(update, "now", nowMs);
        Add(update, "channel", channel);
        Add(update, "reason", reason);
        Add(update, "id", id);
        if (await update.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false) != 1)
        {
            return false;
        }
        await AnnounceAsync(connection, id, cancellation).ConfigureAwait(false);
        return true;
    }

    /// <summary>With PostgreSQL, tells every replica (this one included) that the approval changed.</summary>
    private async Task AnnounceAsync(DbConnection connection, string id, CancellationToken cancellation)
    {
        if (!_announces)
        {
            return;
        }
        await using var notify = connection.CreateCommand();
        notify.CommandText = "SELECT pg_notify(@channel, @id);";
        Add(notify, "channel", Channel);
        Add(notify, "id", id);
        await notify.ExecuteNonQueryAsync(cancellation).ConfigureAwait(false);
    }

    private async Task<List<ApprovalView>> SelectAsync(string where, Func<DbCommand, string> bind, string tail, CancellationToken cancellation)
    {
        await using var connection = await _store.OpenAsync(cancellation).ConfigureAwait(false);
        await using var select = connection.CreateCommand();
        var more = bind(select);
        select.CommandText = $"SELECT {Columns} FROM approvals WHERE {where} AND {more} {tail};";
        await using var reader = await select.ExecuteReaderAsync(cancellation).ConfigureAwait(false);
        var rows = new List<ApprovalView>();
        while (await reader.ReadAsync(cancellation).ConfigureAwait(false))
        {
            rows.Add(Read(reader));
        }
        return rows;
    }

    private static ApprovalView Read(DbDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
        reader.GetString(5), reader.GetString(6), Redactor.RedactStored(reader.GetString(7)) ?? "", reader.GetString(8),
        JsonSerializer.Deserialize(reader.GetString(9), ApprovalStoreJson.Default.ListString) ?? [],
        reader.GetInt64(10) != 0, reader.GetString(11), reader.GetString(12),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(13)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(14)),
        reader.GetString(15),
        reader.IsDBNull(16) ? null : reader.GetString(16),
        reader.IsDBNull(17) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(17)),
        reader.IsDBNull(18) ? null : reader.GetString(18),
        reader.IsDBNull(19) ? null : reader.GetString(19));

    private static string OrgCondition(DbCommand command, string? org)
    {
        if (org is null)
        {
            return "1 = 1";
        }
        Add(command, "org", org);
        return "org = @org";
    }

    private static string SessionRuleSubject(DbCommand command, string sessionId, string ruleId, string subjectKey)
    {
        Add(command, "session", sessionId);
        Add(command, "rule", ruleId);
        Add(command, "key", subjectKey);
        return "1 = 1";
    }

    private static void Add(DbCommand command, string name, object? value) => SqlParameters.Add(command, name, value);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
internal sealed partial class ApprovalStoreJson : System.Text.Json.Serialization.JsonSerializerContext;
