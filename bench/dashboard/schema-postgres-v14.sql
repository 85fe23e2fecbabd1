-- The PostgreSQL schema at version 14 (5d8126f, before the overview's rollups), as hookline server created it:
-- bench/dashboard/overview.sh seeds events into it so that the server's next steps, run on start, backfill
-- the rollups from them as they would for a database that upgrades. Generated with pg_dump --schema-only; do not edit.

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

CREATE TABLE public.approvals (
    id text NOT NULL,
    org text NOT NULL,
    session_id text NOT NULL,
    event_id text NOT NULL,
    agent text NOT NULL,
    user_name text NOT NULL,
    tool_name text NOT NULL,
    subject text NOT NULL,
    subject_key text NOT NULL,
    rule_id text NOT NULL,
    approvers text NOT NULL,
    self_approve bigint NOT NULL,
    remember text NOT NULL,
    on_timeout text NOT NULL,
    created_at_ms bigint NOT NULL,
    expires_at_ms bigint NOT NULL,
    status text NOT NULL,
    answered_by text,
    answered_at_ms bigint,
    channel text,
    reason text
);

CREATE TABLE public.chain_checkpoints (
    session_id text NOT NULL,
    session_seq bigint NOT NULL,
    hash text NOT NULL,
    cut_at_ms bigint NOT NULL
);

CREATE TABLE public.events (
    seq bigint NOT NULL,
    event_id text NOT NULL,
    session_id text NOT NULL,
    agent text NOT NULL,
    agent_session_id text NOT NULL,
    hook_event text NOT NULL,
    native_event text NOT NULL,
    tool_name text NOT NULL,
    native_tool_name text NOT NULL,
    tool_use_id text NOT NULL,
    tool_input bytea,
    tool_response bytea,
    raw_input bytea,
    prompt text,
    cwd text NOT NULL,
    permission_mode text NOT NULL,
    payload_truncated bigint NOT NULL,
    event_time_ms bigint NOT NULL,
    received_at_ms bigint NOT NULL,
    verdict text,
    evaluated text,
    is_default bigint,
    reason text,
    reason_code text,
    rule_ids text,
    matched text,
    policy_epoch bigint,
    applied_verdict text,
    applied_source text NOT NULL,
    applied_reason text,
    applied_rule_ids text,
    applied_epoch bigint,
    applied_latency_us bigint,
    mode text,
    stored_at_ms bigint NOT NULL,
    payload_shed bigint DEFAULT 0 NOT NULL,
    payload_bytes bigint,
    user_name text DEFAULT ''::text NOT NULL,
    org text DEFAULT ''::text NOT NULL,
    authenticated bigint DEFAULT 0 NOT NULL,
    session_seq bigint,
    prev_hash text,
    hash text,
    applied_hash text,
    reported_latency_us bigint
);

CREATE SEQUENCE public.events_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.events_seq_seq OWNED BY public.events.seq;

CREATE TABLE public.policy_epochs (
    epoch bigint NOT NULL,
    hash text NOT NULL,
    document text NOT NULL,
    source text NOT NULL,
    applied_by text DEFAULT ''::text NOT NULL,
    applied_at_ms bigint NOT NULL
);

CREATE SEQUENCE public.policy_epochs_epoch_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.policy_epochs_epoch_seq OWNED BY public.policy_epochs.epoch;

CREATE TABLE public.schema_version (
    version integer NOT NULL,
    applied_at_ms bigint NOT NULL
);

CREATE TABLE public.session_states (
    session_id text NOT NULL,
    state bytea NOT NULL,
    updated_at_ms bigint NOT NULL
);

CREATE TABLE public.sessions (
    session_id text NOT NULL,
    agent text DEFAULT ''::text NOT NULL,
    agent_session_id text DEFAULT ''::text NOT NULL,
    cwd text DEFAULT ''::text NOT NULL,
    user_name text DEFAULT ''::text NOT NULL,
    hostname text DEFAULT ''::text NOT NULL,
    sidecar_version text DEFAULT ''::text NOT NULL,
    status text NOT NULL,
    created_at_ms bigint NOT NULL,
    last_seen_ms bigint NOT NULL,
    ended_at_ms bigint,
    org text DEFAULT ''::text NOT NULL,
    authenticated bigint DEFAULT 0 NOT NULL,
    token_id text,
    seq bigint NOT NULL,
    principal text
);

CREATE SEQUENCE public.sessions_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.sessions_seq_seq OWNED BY public.sessions.seq;

CREATE TABLE public.tokens (
    id text NOT NULL,
    name text NOT NULL,
    scope text NOT NULL,
    user_name text DEFAULT ''::text NOT NULL,
    org text DEFAULT ''::text NOT NULL,
    hash bytea NOT NULL,
    created_at_ms bigint NOT NULL,
    revoked_at_ms bigint,
    created_by text DEFAULT ''::text NOT NULL,
    revoked_by text,
    groups text DEFAULT ''::text NOT NULL
);

CREATE TABLE public.tool_calls (
    session_id text NOT NULL,
    call_key text NOT NULL,
    tool_name text NOT NULL,
    tool_use_id text NOT NULL,
    match_key text NOT NULL,
    pre_event_id text,
    pre_verdict text,
    pre_source text,
    pre_at_ms bigint,
    ran_event_id text,
    ran_source text,
    ran_at_ms bigint,
    status text NOT NULL,
    cause text,
    heuristic bigint NOT NULL,
    subagent_id text NOT NULL
);

ALTER TABLE ONLY public.events ALTER COLUMN seq SET DEFAULT nextval('public.events_seq_seq'::regclass);

ALTER TABLE ONLY public.policy_epochs ALTER COLUMN epoch SET DEFAULT nextval('public.policy_epochs_epoch_seq'::regclass);

ALTER TABLE ONLY public.sessions ALTER COLUMN seq SET DEFAULT nextval('public.sessions_seq_seq'::regclass);

ALTER TABLE ONLY public.approvals
    ADD CONSTRAINT approvals_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.chain_checkpoints
    ADD CONSTRAINT chain_checkpoints_pkey PRIMARY KEY (session_id);

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (event_id);

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_seq_key UNIQUE (seq);

ALTER TABLE ONLY public.policy_epochs
    ADD CONSTRAINT policy_epochs_pkey PRIMARY KEY (epoch);

ALTER TABLE ONLY public.schema_version
    ADD CONSTRAINT schema_version_pkey PRIMARY KEY (version);

ALTER TABLE ONLY public.session_states
    ADD CONSTRAINT session_states_pkey PRIMARY KEY (session_id);

ALTER TABLE ONLY public.sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (session_id);

ALTER TABLE ONLY public.tokens
    ADD CONSTRAINT tokens_hash_key UNIQUE (hash);

ALTER TABLE ONLY public.tokens
    ADD CONSTRAINT tokens_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.tool_calls
    ADD CONSTRAINT tool_calls_pkey PRIMARY KEY (session_id, call_key);

CREATE INDEX approvals_due ON public.approvals USING btree (status, expires_at_ms);

CREATE INDEX approvals_org ON public.approvals USING btree (org, created_at_ms);

CREATE INDEX approvals_session ON public.approvals USING btree (session_id, status);

CREATE INDEX events_agent_time ON public.events USING btree (agent, event_time_ms, seq);

CREATE INDEX events_applied_time ON public.events USING btree (COALESCE(applied_verdict, 'none'::text), event_time_ms, seq);

CREATE INDEX events_rule_list ON public.events USING gin (string_to_array(COALESCE(applied_rule_ids, rule_ids, ''::text), ','::text));

CREATE INDEX events_rules ON public.events USING btree (applied_rule_ids, event_time_ms);

CREATE INDEX events_session_applied ON public.events USING btree (session_id, applied_verdict);

CREATE UNIQUE INDEX events_session_chain ON public.events USING btree (session_id, session_seq);

CREATE INDEX events_session_time_seq ON public.events USING btree (session_id, event_time_ms, seq);

CREATE INDEX events_source_time ON public.events USING btree (applied_source, event_time_ms, seq);

CREATE INDEX events_stored ON public.events USING btree (stored_at_ms);

CREATE INDEX events_time_seq ON public.events USING btree (event_time_ms, seq);

CREATE INDEX events_tool_time ON public.events USING btree (tool_name, event_time_ms, seq);

CREATE INDEX session_states_updated ON public.session_states USING btree (updated_at_ms);

CREATE UNIQUE INDEX sessions_created_seq ON public.sessions USING btree (created_at_ms, seq);

CREATE INDEX sessions_user ON public.sessions USING btree (user_name);

CREATE UNIQUE INDEX tokens_active_name ON public.tokens USING btree (name) WHERE (revoked_at_ms IS NULL);

CREATE INDEX tool_calls_age ON public.tool_calls USING btree (COALESCE(ran_at_ms, pre_at_ms));

CREATE INDEX tool_calls_pre ON public.tool_calls USING btree (pre_event_id);

CREATE INDEX tool_calls_status ON public.tool_calls USING btree (status, cause);

CREATE INDEX tool_calls_waiting ON public.tool_calls USING btree (session_id, match_key, pre_at_ms) WHERE (ran_event_id IS NULL);

INSERT INTO public.schema_version (version, applied_at_ms) VALUES (1, 0);
INSERT INTO public.schema_version (version, applied_at_ms) VALUES (2, 0);
INSERT INTO public.schema_version (version, applied_at_ms) VALUES (3, 0);
INSERT INTO public.schema_version (version, applied_at_ms) VALUES (4, 0);
INSERT INTO public.schema_version (version, applied_at_ms) VALUES (5, 0);
INSERT INTO public.schema_version (version, applied_at_ms) VALUES (6, 0);
INSERT INTO public.schema_version (version, applied_at_ms) VALUES (7, 0);
INSERT INTO public.schema_version (version, applied_at_ms) VALUES (8, 0);
INSERT INTO public.schema_version (version, applied_at_ms) VALUES (9, 0);
INSERT INTO public.schema_version (version, applied_at_ms) VALUES (10, 0);
INSERT INTO public.schema_version (version, applied_at_ms) VALUES (11, 0);
INSERT INTO public.schema_version (version, applied_at_ms) VALUES (12, 0);
INSERT INTO public.schema_version (version, applied_at_ms) VALUES (13, 0);
INSERT INTO public.schema_version (version, applied_at_ms) VALUES (14, 0);
