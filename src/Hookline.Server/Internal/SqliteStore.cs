using Google.Protobuf;
using Hookline.Contracts.V1;
using Hookline.Core;
using Microsoft.Data.Sqlite;

namespace Hookline.Server.Internal;

/// <summary>
/// The SQLite file behind the audit trail, the sessions and the policy epochs. WAL mode with synchronous=FULL:
/// an event is acknowledged to the sidecar only after its transaction is on disk.
/// </summary>
internal sealed partial class SqliteStore : IDisposable
{
    private const int SchemaVersion = 1;
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    private readonly Lock _writerLock = new();

    public SqliteStore(string dataDirectory)
    {
        Directory.CreateDirectory(dataDirectory);
        DatabasePath = Path.Combine(dataDirectory, "hookline.db");
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _writer = Open();
        Migrate();
        EnsureIdentityColumns();
    }

    public string DatabasePath { get; }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private void Migrate()
    {
        using var command = _writer.CreateCommand();
        command.CommandText = "PRAGMA user_version;";
        var version = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException(
                $"{DatabasePath} has schema version {version}; this server knows up to {SchemaVersion}. Upgrade Hookline.");
        }
        if (version == SchemaVersion)
        {
            return;
        }
        command.CommandText = $"""
            CREATE TABLE IF NOT EXISTS sessions (
                session_id       TEXT PRIMARY KEY,
                agent            TEXT NOT NULL DEFAULT '',
                agent_session_id TEXT NOT NULL DEFAULT '',
                cwd              TEXT NOT NULL DEFAULT '',
                user_name        TEXT NOT NULL DEFAULT '',
                hostname         TEXT NOT NULL DEFAULT '',
                sidecar_version  TEXT NOT NULL DEFAULT '',
                status           TEXT NOT NULL,
                created_at_ms    INTEGER NOT NULL,
                last_seen_ms     INTEGER NOT NULL,
                ended_at_ms      INTEGER
            );
            CREATE TABLE IF NOT EXISTS events (
                event_id          TEXT PRIMARY KEY,
                session_id        TEXT NOT NULL,
                agent             TEXT NOT NULL,
                agent_session_id  TEXT NOT NULL,
                hook_event        TEXT NOT NULL,
                native_event      TEXT NOT NULL,
                tool_name         TEXT NOT NULL,
                native_tool_name  TEXT NOT NULL,
                tool_use_id       TEXT NOT NULL,
                tool_input        BLOB,
                tool_response     BLOB,
                raw_input         BLOB,
                prompt            TEXT,
                cwd               TEXT NOT NULL,
                permission_mode   TEXT NOT NULL,
                payload_truncated INTEGER NOT NULL,
                event_time_ms     INTEGER NOT NULL,
                received_at_ms    INTEGER NOT NULL,
                verdict           TEXT,
                evaluated         TEXT,
                is_default        INTEGER,
                reason            TEXT,
                reason_code       TEXT,
                rule_ids          TEXT,
                matched           TEXT,
                policy_epoch      INTEGER,
                applied_verdict   TEXT,
                applied_source    TEXT NOT NULL,
                applied_reason    TEXT,
                applied_rule_ids  TEXT,
                applied_epoch     INTEGER,
                applied_latency_us INTEGER,
                mode              TEXT,
                stored_at_ms      INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS events_session_time ON events(session_id, event_time_ms);
            CREATE INDEX IF NOT EXISTS events_time ON events(event_time_ms);
            CREATE TABLE IF NOT EXISTS policy_epochs (
                epoch       INTEGER PRIMARY KEY AUTOINCREMENT,
                hash        TEXT NOT NULL,
                document    TEXT NOT NULL,
                source      TEXT NOT NULL,
                applied_at_ms INTEGER NOT NULL
            );
            PRAGMA user_version = {SchemaVersion};
            """;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Stores a batch in one transaction. A replayed event id is stored once; a later message for the same id may
    /// only fill in the decision the sidecar applied (for example after a budget miss).
    /// </summary>
    /// <returns>How many of the records were already stored (replays that changed nothing).</returns>
    public int WriteBatch(IReadOnlyList<AuditRecord> batch)
    {
        lock (_writerLock)
        {
            using var transaction = _writer.BeginTransaction();
            using var command = _writer.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO events (event_id, session_id, agent, agent_session_id, hook_event, native_event, tool_name,
                    native_tool_name, tool_use_id, tool_input, tool_response, raw_input, prompt, cwd, permission_mode,
                    payload_truncated, event_time_ms, received_at_ms, verdict, evaluated, is_default, reason,
                    reason_code, rule_ids, matched, policy_epoch, applied_verdict, applied_source, applied_reason,
                    applied_rule_ids, applied_epoch, applied_latency_us, mode, stored_at_ms, user_name, org, authenticated)
                VALUES ($event_id, $session_id, $agent, $agent_session_id, $hook_event, $native_event, $tool_name,
                    $native_tool_name, $tool_use_id, $tool_input, $tool_response, $raw_input, $prompt, $cwd, $permission_mode,
                    $payload_truncated, $event_time_ms, $received_at_ms, $verdict, $evaluated, $is_default, $reason,
                    $reason_code, $rule_ids, $matched, $policy_epoch, $applied_verdict, $applied_source, $applied_reason,
                    $applied_rule_ids, $applied_epoch, $applied_latency_us, $mode, $stored_at_ms, $user_name, $org, $authenticated)
                ON CONFLICT(event_id) DO UPDATE SET
                    applied_verdict = excluded.applied_verdict,
                    applied_source = excluded.applied_source,
                    applied_reason = excluded.applied_reason,
                    applied_rule_ids = excluded.applied_rule_ids,
                    applied_epoch = excluded.applied_epoch,
                    applied_latency_us = excluded.applied_latency_us
                WHERE $has_applied = 1;
                """;
            var p = new Parameters(command);
            var storedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var duplicates = 0;
            foreach (var record in batch)
            {
                p.Bind(record, storedAt);
                if (command.ExecuteNonQuery() == 0)
                {
                    duplicates++;
                }
            }
            transaction.Commit();
            return duplicates;
        }
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>Prepared parameters, created once per batch and rebound per record.</summary>
    private sealed class Parameters
    {
        private readonly Dictionary<string, SqliteParameter> _byName = new();

        public Parameters(SqliteCommand command)
        {
            foreach (var name in new[]
            {
                "event_id", "session_id", "agent", "agent_session_id", "hook_event", "native_event", "tool_name",
                "native_tool_name", "tool_use_id", "tool_input", "tool_response", "raw_input", "prompt", "cwd", "permission_mode",
                "payload_truncated", "event_time_ms", "received_at_ms", "verdict", "evaluated", "is_default", "reason",
                "reason_code", "rule_ids", "matched", "policy_epoch", "applied_verdict", "applied_source",
                "applied_reason", "applied_rule_ids", "applied_epoch", "applied_latency_us", "has_applied", "mode", "stored_at_ms",
                "user_name", "org", "authenticated",
            })
            {
                _byName[name] = command.Parameters.Add("$" + name, SqliteType.Text);
            }
        }

        private void Set(string name, object? value) => _byName[name].Value = value ?? DBNull.Value;

        public void Bind(AuditRecord record, long storedAtMs)
        {
            Set("stored_at_ms", storedAtMs);
            var e = record.Event;
            var d = record.Decision;
            var applied = e.Applied;
            Set("event_id", e.EventId);
            Set("user_name", e.User);
            Set("org", e.Org);
            Set("authenticated", record.Authenticated ? 1 : 0);
            Set("session_id", e.SessionId);
            Set("agent", e.Agent);
            Set("agent_session_id", e.AgentSessionId);
            Set("hook_event", e.HookEventName);
            Set("native_event", e.NativeEvent);
            Set("tool_name", e.ToolName);
            Set("native_tool_name", e.NativeToolName);
            Set("tool_use_id", e.ToolUseId);
            Set("tool_input", e.ToolInput.IsEmpty ? null : e.ToolInput.ToByteArray());
            Set("tool_response", e.ToolResponse.IsEmpty ? null : e.ToolResponse.ToByteArray());
            Set("raw_input", e.RawInput.IsEmpty ? null : e.RawInput.ToByteArray());
            Set("prompt", e.Prompt.Length == 0 ? null : e.Prompt);
            Set("cwd", e.Cwd);
            Set("permission_mode", e.PermissionMode);
            Set("payload_truncated", e.PayloadTruncated ? 1 : 0);
            Set("event_time_ms", e.Time is null ? record.ReceivedAtUnixMs : e.Time.ToDateTimeOffset().ToUnixTimeMilliseconds());
            Set("received_at_ms", record.ReceivedAtUnixMs);
            Set("verdict", d is null ? null : Names.Of(d.Verdict));
            Set("evaluated", d is null ? null : Names.Of(d.Evaluated));
            Set("is_default", d is null ? null : d.IsDefault ? 1 : 0);
            Set("reason", d?.Reason);
            Set("reason_code", d?.ReasonCode);
            Set("rule_ids", d is null ? null : string.Join(',', d.RuleIds));
            Set("matched", d?.Matched);
            Set("policy_epoch", d is null ? null : (long)d.PolicyEpoch);
            Set("mode", d is null ? null : d.Mode switch
            {
                PolicyMode.Observe => "observe",
                PolicyMode.Disabled => "disabled",
                PolicyMode.Enforce => "enforce",
                _ => null,
            });
            if (applied is not null)
            {
                Set("applied_verdict", Names.Of(applied.Verdict));
                Set("applied_source", Names.Of(applied.Source));
                Set("applied_reason", applied.Reason);
                Set("applied_rule_ids", string.Join(',', applied.RuleIds));
                Set("applied_epoch", (long)applied.PolicyEpoch);
                Set("applied_latency_us", (long)applied.LatencyUs);
                Set("has_applied", 1);
            }
            else
            {
                // Until a sidecar says otherwise, what the agent got is the server's own answer.
                Set("applied_verdict", d is null ? null : Names.Of(d.Verdict));
                Set("applied_source", d is null ? "non_blocking" : "remote");
                Set("applied_reason", d?.Reason);
                Set("applied_rule_ids", d is null ? null : string.Join(',', d.RuleIds));
                Set("applied_epoch", d is null ? null : (long)d.PolicyEpoch);
                Set("applied_latency_us", null);
                Set("has_applied", 0);
            }
        }
    }
}
