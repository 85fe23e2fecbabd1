namespace Hookline.Server.Internal.Storage.Sqlite;

/// <summary>The SQLite schema as numbered steps; a database at version N gets steps N+1.. on start, each in one transaction.</summary>
internal static class SqliteSchema
{
    public static readonly IReadOnlyList<string> Steps =
    [
        // 1: events, sessions, policy epochs.
        """
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
        """,
        // 2: the sidecar may shed an event's payload under its spool cap; the audit trail says so, and how much.
        """
        ALTER TABLE events ADD COLUMN payload_shed INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE events ADD COLUMN payload_bytes INTEGER;
        """,
        // 3: who each session and event belongs to; authenticated says whether a token vouched for it.
        """
        ALTER TABLE sessions ADD COLUMN org TEXT NOT NULL DEFAULT '';
        ALTER TABLE sessions ADD COLUMN authenticated INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE sessions ADD COLUMN token_id TEXT;
        ALTER TABLE events ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
        ALTER TABLE events ADD COLUMN org TEXT NOT NULL DEFAULT '';
        ALTER TABLE events ADD COLUMN authenticated INTEGER NOT NULL DEFAULT 0;
        """,
        // 4: the tamper-evidence chain per session, retention checkpoints, who applied a policy.
        """
            ALTER TABLE events ADD COLUMN session_seq INTEGER;
            ALTER TABLE events ADD COLUMN prev_hash TEXT;
            ALTER TABLE events ADD COLUMN hash TEXT;
            ALTER TABLE events ADD COLUMN applied_hash TEXT;
            CREATE UNIQUE INDEX IF NOT EXISTS events_session_chain ON events(session_id, session_seq);
            CREATE INDEX IF NOT EXISTS events_stored ON events(stored_at_ms);
            CREATE TABLE IF NOT EXISTS chain_checkpoints (
                session_id  TEXT PRIMARY KEY,
                session_seq INTEGER NOT NULL,
                hash        TEXT NOT NULL,
                cut_at_ms   INTEGER NOT NULL
            );
            ALTER TABLE policy_epochs ADD COLUMN applied_by TEXT NOT NULL DEFAULT '';
        """,
        // 5: what session-aware rules remember per session (taints, denials, rate hits), so a restart keeps it.
        """
            CREATE TABLE IF NOT EXISTS session_states (
                session_id    TEXT PRIMARY KEY,
                state         BLOB NOT NULL,
                updated_at_ms INTEGER NOT NULL
            );
            CREATE INDEX IF NOT EXISTS session_states_updated ON session_states(updated_at_ms);
        """,
        // 6: the principal (issuer, user, org; Principal.Key) each session belongs to. Sessions stored before: those
        // made without a token belong to the local principal, those of a Hookline token to (hookline, user, org);
        // a JWT's issuer was not kept, so those stay NULL and belong to any authenticated caller of that user and org.
        """
            ALTER TABLE sessions ADD COLUMN principal TEXT;
            UPDATE sessions SET principal = 'local' || char(31) || char(31) WHERE authenticated = 0;
            UPDATE sessions SET principal = 'hookline' || char(31) || user_name || char(31) || org
                WHERE authenticated = 1 AND (token_id IS NULL OR token_id NOT LIKE 'jwt:%');
        """,
        // 7: a Hookline token with neither user nor org is its own principal (Principal.OfToken): the sessions such
        // tokens made before were stored as ('hookline', '', '') and so shared by all of them; each now belongs to the
        // token that made it (sessions keep its id).
        """
            UPDATE sessions SET principal = 'hookline-token' || char(31) || token_id || char(31)
                WHERE principal = 'hookline' || char(31) || char(31) AND token_id IS NOT NULL AND token_id NOT LIKE 'jwt:%';
        """,
        // 8: coverage: every PreToolUse decided and every call seen to run, matched (Internal/Coverage); a call
        // that ran without a decision in force is ungoverned, with its cause. Apart from events: the chained rows stay as they are.
        """
            CREATE TABLE IF NOT EXISTS tool_calls (
                session_id   TEXT NOT NULL,
                call_key     TEXT NOT NULL,
                tool_name    TEXT NOT NULL,
                tool_use_id  TEXT NOT NULL,
                match_key    TEXT NOT NULL,
                pre_event_id TEXT,
                pre_verdict  TEXT,
                pre_source   TEXT,
                pre_at_ms    INTEGER,
                ran_event_id TEXT,
                ran_source   TEXT,
                ran_at_ms    INTEGER,
                status       TEXT NOT NULL,
                cause        TEXT,
                heuristic    INTEGER NOT NULL,
                subagent_id  TEXT NOT NULL,
                PRIMARY KEY (session_id, call_key)
            );
            CREATE INDEX IF NOT EXISTS tool_calls_pre ON tool_calls(pre_event_id);
            CREATE INDEX IF NOT EXISTS tool_calls_waiting ON tool_calls(session_id, match_key, pre_at_ms) WHERE ran_event_id IS NULL;
            CREATE INDEX IF NOT EXISTS tool_calls_status ON tool_calls(status, cause);
            CREATE INDEX IF NOT EXISTS tool_calls_age ON tool_calls((COALESCE(ran_at_ms, pre_at_ms)));
        """,
        // 9: approvals (Internal/Approvals): an ask a person answers. Pending rows survive a restart; the
        // answer is a conditional update of its row (the first wins, on every replica), and an audit row of its own.
        """
            CREATE TABLE IF NOT EXISTS approvals (
                id             TEXT PRIMARY KEY,
                org            TEXT NOT NULL,
                session_id     TEXT NOT NULL,
                event_id       TEXT NOT NULL,
                agent          TEXT NOT NULL,
                user_name      TEXT NOT NULL,
                tool_name      TEXT NOT NULL,
                subject        TEXT NOT NULL,
                subject_key    TEXT NOT NULL,
                rule_id        TEXT NOT NULL,
                approvers      TEXT NOT NULL,
                self_approve   INTEGER NOT NULL,
                remember       TEXT NOT NULL,
                on_timeout     TEXT NOT NULL,
                created_at_ms  INTEGER NOT NULL,
                expires_at_ms  INTEGER NOT NULL,
                status         TEXT NOT NULL,
                answered_by    TEXT,
                answered_at_ms INTEGER,
                channel        TEXT,
                reason         TEXT
            );
            CREATE INDEX IF NOT EXISTS approvals_due ON approvals(status, expires_at_ms);
            CREATE INDEX IF NOT EXISTS approvals_session ON approvals(session_id, status);
            CREATE INDEX IF NOT EXISTS approvals_org ON approvals(org, created_at_ms);
        """,
        // 10: the latency a sidecar reports after answering a hook with the server's decision (DecisionLatencies):
        // telemetry, written once, outside both seals of the chain.
        """
            ALTER TABLE events ADD COLUMN reported_latency_us INTEGER;
        """,
        // 11: the overview's per-minute rollups (RollupSchema), kept by every write from now on, filled from the events stored.
        RollupSchema.Step("INTEGER", " WITHOUT ROWID", RuleIds),
        // 12: one index fewer on a key each event writes at a random page (its session): (session_id, event_time_ms)
        // and the read API's (session_id, applied_verdict) become one, which serves a session's events newest first
        // and, index only, its per-verdict counts (docs/architecture.md, "Which index serves which read").
        """
            DROP INDEX IF EXISTS events_session_applied;
            DROP INDEX IF EXISTS events_session_time;
            CREATE INDEX IF NOT EXISTS events_session_time_verdict ON events(session_id, event_time_ms, applied_verdict);
        """,
    ];

    /// <summary>
    /// (event_id, rule_id) per <see cref="RollupSchema.CountedRuleIds"/> of each decided event's comma-joined
    /// applied_rule_ids, for the backfill: the split stops after <see cref="RollupSchema.MaxCountedRuleIds"/> entries,
    /// as each step copies the rest of the list (all of it would take time quadratic in the list's length).
    /// </summary>
    private static string RuleIds => $"""
        WITH RECURSIVE split(event_id, rest, rule_id, entries) AS (
            SELECT event_id, applied_rule_ids || ',', '', 0 FROM rollup_counted WHERE COALESCE(applied_rule_ids, '') <> ''
            UNION ALL SELECT event_id, substr(rest, instr(rest, ',') + 1), substr(rest, 1, instr(rest, ',') - 1), entries + 1 FROM split
                WHERE rest <> '' AND entries < {RollupSchema.MaxCountedRuleIds})
        SELECT DISTINCT event_id, rule_id FROM split WHERE rule_id <> ''
        """;
}
