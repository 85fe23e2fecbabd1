namespace Hookline.Server.Internal.Storage.Postgres;

/// <summary>
/// The PostgreSQL schema as numbered steps. Replicas starting together migrate under one advisory lock, so each step
/// runs once.
/// </summary>
internal static class PostgresSchema
{
    public static readonly IReadOnlyList<string> Steps =
    [
        // 1: events, sessions, policy epochs. seq is the storage order across replicas.
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
            created_at_ms    BIGINT NOT NULL,
            last_seen_ms     BIGINT NOT NULL,
            ended_at_ms      BIGINT
        );
        CREATE TABLE IF NOT EXISTS events (
            seq               BIGSERIAL NOT NULL UNIQUE,
            event_id          TEXT PRIMARY KEY,
            session_id        TEXT NOT NULL,
            agent             TEXT NOT NULL,
            agent_session_id  TEXT NOT NULL,
            hook_event        TEXT NOT NULL,
            native_event      TEXT NOT NULL,
            tool_name         TEXT NOT NULL,
            native_tool_name  TEXT NOT NULL,
            tool_use_id       TEXT NOT NULL,
            tool_input        BYTEA,
            tool_response     BYTEA,
            raw_input         BYTEA,
            prompt            TEXT,
            cwd               TEXT NOT NULL,
            permission_mode   TEXT NOT NULL,
            payload_truncated BIGINT NOT NULL,
            event_time_ms     BIGINT NOT NULL,
            received_at_ms    BIGINT NOT NULL,
            verdict           TEXT,
            evaluated         TEXT,
            is_default        BIGINT,
            reason            TEXT,
            reason_code       TEXT,
            rule_ids          TEXT,
            matched           TEXT,
            policy_epoch      BIGINT,
            applied_verdict   TEXT,
            applied_source    TEXT NOT NULL,
            applied_reason    TEXT,
            applied_rule_ids  TEXT,
            applied_epoch     BIGINT,
            applied_latency_us BIGINT,
            mode              TEXT,
            stored_at_ms      BIGINT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS events_session_time ON events(session_id, event_time_ms);
        CREATE INDEX IF NOT EXISTS events_time ON events(event_time_ms);
        CREATE TABLE IF NOT EXISTS policy_epochs (
            epoch         BIGSERIAL PRIMARY KEY,
            hash          TEXT NOT NULL,
            document      TEXT NOT NULL,
            source        TEXT NOT NULL,
            applied_by    TEXT NOT NULL DEFAULT '',
            applied_at_ms BIGINT NOT NULL
        );
        """,
        // 2: the sidecar may shed an event's payload under its spool cap; the audit trail says so, and how much.
        """
        ALTER TABLE events ADD COLUMN payload_shed BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE events ADD COLUMN payload_bytes BIGINT;
        """,
        // 3: who each session and event belongs to; authenticated says whether a token vouched for it.
        """
        ALTER TABLE sessions ADD COLUMN org TEXT NOT NULL DEFAULT '';
        ALTER TABLE sessions ADD COLUMN authenticated BIGINT NOT NULL DEFAULT 0;
        ALTER TABLE sessions ADD COLUMN token_id TEXT;
        ALTER TABLE events ADD COLUMN user_name TEXT NOT NULL DEFAULT '';
        ALTER TABLE events ADD COLUMN org TEXT NOT NULL DEFAULT '';
        ALTER TABLE events ADD COLUMN authenticated BIGINT NOT NULL DEFAULT 0;
        """,
        // 4: the tamper-evidence chain per session, and retention checkpoints.
        """
        ALTER TABLE events ADD COLUMN IF NOT EXISTS session_seq BIGINT;
        ALTER TABLE events ADD COLUMN IF NOT EXISTS prev_hash TEXT;
        ALTER TABLE events ADD COLUMN IF NOT EXISTS hash TEXT;
        ALTER TABLE events ADD COLUMN IF NOT EXISTS applied_hash TEXT;
        CREATE UNIQUE INDEX IF NOT EXISTS events_session_chain ON events(session_id, session_seq);
        CREATE INDEX IF NOT EXISTS events_stored ON events(stored_at_ms);
        CREATE TABLE IF NOT EXISTS chain_checkpoints (
            session_id  TEXT PRIMARY KEY,
            session_seq BIGINT NOT NULL,
            hash        TEXT NOT NULL,
            cut_at_ms   BIGINT NOT NULL
        );
        """,
        // 5: what session-aware rules remember per session (taints, denials, rate hits), so another replica continues it.
        """
        CREATE TABLE IF NOT EXISTS session_states (
            session_id    TEXT PRIMARY KEY,
            state         BYTEA NOT NULL,
            updated_at_ms BIGINT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS session_states_updated ON session_states(updated_at_ms);
        """,
        // 6: API tokens, shared by the replicas: only the SHA-256 of each secret; one active token per name.
        """
        CREATE TABLE IF NOT EXISTS tokens (
            id            TEXT PRIMARY KEY,
            name          TEXT NOT NULL,
            scope         TEXT NOT NULL,
            user_name     TEXT NOT NULL DEFAULT '',
            org           TEXT NOT NULL DEFAULT '',
            hash          BYTEA NOT NULL UNIQUE,
            created_at_ms BIGINT NOT NULL,
            revoked_at_ms BIGINT
        );
        CREATE UNIQUE INDEX IF NOT EXISTS tokens_active_name ON tokens(name) WHERE revoked_at_ms IS NULL;
        """,
        // 7: the read API's paged queries (keyset on time, then storage order; sessions get a storage order too).
        // Each index leads with what a filter pins, then the page order, so a page is one index range however
        // large the table. The two older time indexes are prefixes of the new ones.
        """
        ALTER TABLE sessions ADD COLUMN IF NOT EXISTS seq BIGSERIAL;
        CREATE UNIQUE INDEX IF NOT EXISTS sessions_created_seq ON sessions(created_at_ms, seq);
        CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user_name);
        CREATE INDEX IF NOT EXISTS events_time_seq ON events(event_time_ms, seq);
        CREATE INDEX IF NOT EXISTS events_session_time_seq ON events(session_id, event_time_ms, seq);
        DROP INDEX IF EXISTS events_time;
        DROP INDEX IF EXISTS events_session_time;
        CREATE INDEX IF NOT EXISTS events_session_applied ON events(session_id, applied_verdict);
        CREATE INDEX IF NOT EXISTS events_applied_time ON events((COALESCE(applied_verdict, 'none')), event_time_ms, seq);
        CREATE INDEX IF NOT EXISTS events_agent_time ON events(agent, event_time_ms, seq);
        CREATE INDEX IF NOT EXISTS events_tool_time ON events(tool_name, event_time_ms, seq);
        CREATE INDEX IF NOT EXISTS events_source_time ON events(applied_source, event_time_ms, seq);
        CREATE INDEX IF NOT EXISTS events_rules ON events(applied_rule_ids, event_time_ms);
        CREATE INDEX IF NOT EXISTS events_rule_list ON events USING gin (string_to_array(COALESCE(applied_rule_ids, rule_ids, ''), ','));
        """,
        // 8: the principal (issuer, user, org; Principal.Key) each session belongs to. Sessions stored before: those
        // made without a token belong to the local principal, those of a Hookline token to (hookline, user, org);
        // a JWT's issuer was not kept, so those stay NULL and belong to any authenticated caller of that user and org.
        """
        ALTER TABLE sessions ADD COLUMN IF NOT EXISTS principal TEXT;
        UPDATE sessions SET principal = 'local' || chr(31) || chr(31) WHERE authenticated = 0;
        UPDATE sessions SET principal = 'hookline' || chr(31) || user_name || chr(31) || org
            WHERE authenticated = 1 AND (token_id IS NULL OR token_id NOT LIKE 'jwt:%');
        """,
        // 9: who created and who revoked each token (the authenticated caller; see Auth/Attribution.cs).
        """
        ALTER TABLE tokens ADD COLUMN IF NOT EXISTS created_by TEXT NOT NULL DEFAULT '';
        ALTER TABLE tokens ADD COLUMN IF NOT EXISTS revoked_by TEXT;
        """,
        // 10: a Hookline token with neither user nor org is its own principal (Principal.OfToken): the sessions such
        // tokens made before were stored as ('hookline', '', '') and so shared by all of them; each now belongs to the
        // token that made it (sessions keep its id).
        """
        UPDATE sessions SET principal = 'hookline-token' || chr(31) || token_id || chr(31)
            WHERE principal = 'hookline' || chr(31) || chr(31) AND token_id IS NOT NULL AND token_id NOT LIKE 'jwt:%';
        """,
        // 11: coverage: every PreToolUse decided and every call seen to run, matched (Internal/Coverage); a call
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
                pre_at_ms    BIGINT,
                ran_event_id TEXT,
                ran_source   TEXT,
                ran_at_ms    BIGINT,
                status       TEXT NOT NULL,
                cause        TEXT,
                heuristic    BIGINT NOT NULL,
                subagent_id  TEXT NOT NULL,
                PRIMARY KEY (session_id, call_key)
            );
            CREATE INDEX IF NOT EXISTS tool_calls_pre ON tool_calls(pre_event_id);
            CREATE INDEX IF NOT EXISTS tool_calls_waiting ON tool_calls(session_id, match_key, pre_at_ms) WHERE ran_event_id IS NULL;
            CREATE INDEX IF NOT EXISTS tool_calls_status ON tool_calls(status, cause);
            CREATE INDEX IF NOT EXISTS tool_calls_age ON tool_calls((COALESCE(ran_at_ms, pre_at_ms)));
        """,
        // 12: approvals (Internal/Approvals): an ask a person answers. Pending rows survive a restart; the
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
                self_approve   BIGINT NOT NULL,
                remember       TEXT NOT NULL,
                on_timeout     TEXT NOT NULL,
                created_at_ms  BIGINT NOT NULL,
                expires_at_ms  BIGINT NOT NULL,
                status         TEXT NOT NULL,
                answered_by    TEXT,
                answered_at_ms BIGINT,
                channel        TEXT,
                reason         TEXT
            );
            CREATE INDEX IF NOT EXISTS approvals_due ON approvals(status, expires_at_ms);
            CREATE INDEX IF NOT EXISTS approvals_session ON approvals(session_id, status);
            CREATE INDEX IF NOT EXISTS approvals_org ON approvals(org, created_at_ms);
        """,
        // 13: the groups each token puts its user in (--group, comma-separated): approvals' by: [group:NAME].
        """
        ALTER TABLE tokens ADD COLUMN IF NOT EXISTS groups TEXT NOT NULL DEFAULT '';
        """,
        // 14: the latency a sidecar reports after answering a hook with the server's decision (DecisionLatencies):
        // telemetry, written once, outside both seals of the chain.
        """
            ALTER TABLE events ADD COLUMN IF NOT EXISTS reported_latency_us BIGINT;
        """,
        // 15: the overview's per-minute rollups (RollupSchema), kept by every write from now on, filled from the events stored.
        RollupSchema.Step("BIGINT", "", $"""
            SELECT DISTINCT c.event_id, r.rule_id FROM rollup_counted c, unnest(string_to_array(c.applied_rule_ids, ',')) WITH ORDINALITY AS r(rule_id, entry)
            WHERE r.rule_id <> '' AND r.entry <= {RollupSchema.MaxCountedRuleIds}
            """),
        // 16: one index fewer on a key each event writes at a random page (its session): the read API's (session_id,
        // applied_verdict) goes, and (session_id, event_time_ms, seq) carries applied_verdict instead, so a session's
        // per-verdict counts still read that index alone (docs/architecture.md, "Which index serves which read").
        """
        CREATE INDEX IF NOT EXISTS events_session_time_verdict ON events(session_id, event_time_ms, seq) INCLUDE (applied_verdict);
        DROP INDEX IF EXISTS events_session_time_seq;
        DROP INDEX IF EXISTS events_session_applied;
        """,
    ];
}
