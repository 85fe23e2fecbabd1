-- The SQLite schema at version 10 (5d8126f, before the overview's rollups), as hookline server created it:
-- bench/dashboard/overview.sh seeds events into it so that the server's next steps, run on start, backfill
-- the rollups from them as they would for a database that upgrades. Generated with sqlite3 .schema; do not edit.
CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL);
CREATE TABLE sessions (
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
    , org TEXT NOT NULL DEFAULT '', authenticated INTEGER NOT NULL DEFAULT 0, token_id TEXT, principal TEXT);
CREATE TABLE events (
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
    , payload_shed INTEGER NOT NULL DEFAULT 0, payload_bytes INTEGER, user_name TEXT NOT NULL DEFAULT '', org TEXT NOT NULL DEFAULT '', authenticated INTEGER NOT NULL DEFAULT 0, session_seq INTEGER, prev_hash TEXT, hash TEXT, applied_hash TEXT, reported_latency_us INTEGER);
CREATE INDEX events_session_time ON events(session_id, event_time_ms);
CREATE INDEX events_time ON events(event_time_ms);
CREATE TABLE policy_epochs (
        epoch       INTEGER PRIMARY KEY AUTOINCREMENT,
        hash        TEXT NOT NULL,
        document    TEXT NOT NULL,
        source      TEXT NOT NULL,
        applied_at_ms INTEGER NOT NULL
    , applied_by TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX events_session_chain ON events(session_id, session_seq);
CREATE INDEX events_stored ON events(stored_at_ms);
CREATE TABLE chain_checkpoints (
        session_id  TEXT PRIMARY KEY,
        session_seq INTEGER NOT NULL,
        hash        TEXT NOT NULL,
        cut_at_ms   INTEGER NOT NULL
    );
CREATE TABLE session_states (
        session_id    TEXT PRIMARY KEY,
        state         BLOB NOT NULL,
        updated_at_ms INTEGER NOT NULL
    );
CREATE INDEX session_states_updated ON session_states(updated_at_ms);
CREATE TABLE tool_calls (
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
CREATE INDEX tool_calls_pre ON tool_calls(pre_event_id);
CREATE INDEX tool_calls_waiting ON tool_calls(session_id, match_key, pre_at_ms) WHERE ran_event_id IS NULL;
CREATE INDEX tool_calls_status ON tool_calls(status, cause);
CREATE INDEX tool_calls_age ON tool_calls((COALESCE(ran_at_ms, pre_at_ms)));
CREATE TABLE approvals (
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
CREATE INDEX approvals_due ON approvals(status, expires_at_ms);
CREATE INDEX approvals_session ON approvals(session_id, status);
CREATE INDEX approvals_org ON approvals(org, created_at_ms);
CREATE INDEX events_applied_time ON events(applied_verdict, event_time_ms);
CREATE INDEX events_agent_time ON events(agent, event_time_ms);
CREATE INDEX events_tool_time ON events(tool_name, event_time_ms);
CREATE INDEX events_source_time ON events(applied_source, event_time_ms);
CREATE INDEX events_session_applied ON events(session_id, applied_verdict);
CREATE INDEX events_rules ON events(applied_rule_ids, event_time_ms);
CREATE INDEX sessions_created ON sessions(created_at_ms);
CREATE INDEX sessions_user ON sessions(user_name);
CREATE INDEX events_org_time ON events(org, event_time_ms);
CREATE TABLE tokens (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    scope         TEXT NOT NULL,
    user_name     TEXT NOT NULL DEFAULT '',
    org           TEXT NOT NULL DEFAULT '',
    hash          BLOB NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER
, created_by TEXT NOT NULL DEFAULT '', revoked_by TEXT, groups TEXT NOT NULL DEFAULT '');
CREATE UNIQUE INDEX tokens_active_name ON tokens(name) WHERE revoked_at_ms IS NULL;
INSERT INTO schema_version (version, applied_at_ms) VALUES (1, 0);
INSERT INTO schema_version (version, applied_at_ms) VALUES (2, 0);
INSERT INTO schema_version (version, applied_at_ms) VALUES (3, 0);
INSERT INTO schema_version (version, applied_at_ms) VALUES (4, 0);
INSERT INTO schema_version (version, applied_at_ms) VALUES (5, 0);
INSERT INTO schema_version (version, applied_at_ms) VALUES (6, 0);
INSERT INTO schema_version (version, applied_at_ms) VALUES (7, 0);
INSERT INTO schema_version (version, applied_at_ms) VALUES (8, 0);
INSERT INTO schema_version (version, applied_at_ms) VALUES (9, 0);
INSERT INTO schema_version (version, applied_at_ms) VALUES (10, 0);
PRAGMA user_version = 10;
