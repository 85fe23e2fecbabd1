-- Seeds :n events in 1,000 sessions straight into a server's PostgreSQL database (the schema the server created):
-- the same data as seed.sql, for bench/dashboard/postgres.sh.
WITH t AS (SELECT (extract(epoch FROM now()) * 1000)::bigint AS now_ms)
INSERT INTO sessions (session_id, agent, agent_session_id, cwd, user_name, hostname, sidecar_version, status,
                      created_at_ms, last_seen_ms, ended_at_ms)
SELECT '00000000-0000-4000-8000-' || lpad(i::text, 12, '0'), CASE i % 3 WHEN 0 THEN 'claude' WHEN 1 THEN 'codex' ELSE 'cursor' END,
       'agent-' || i, '/home/u' || (i % 20) || '/project' || (i % 7), 'user' || (i % 20), 'host', 'seed', 'ended',
       now_ms - 86400000 + i * 60000, now_ms - 86400000 + i * 60000 + 3600000, now_ms - 86400000 + i * 60000 + 3600000
FROM generate_series(0, 999) AS i, t
ON CONFLICT DO NOTHING;

WITH t AS (SELECT (extract(epoch FROM now()) * 1000)::bigint AS now_ms)
INSERT INTO events (event_id, session_id, agent, agent_session_id, hook_event, native_event, tool_name,
    native_tool_name, tool_use_id, tool_input, cwd, permission_mode, payload_truncated, event_time_ms, received_at_ms,
    verdict, evaluated, is_default, reason, reason_code, rule_ids, policy_epoch, applied_verdict, applied_source,
    applied_reason, applied_rule_ids, applied_epoch, applied_latency_us, mode, stored_at_ms)
SELECT 'seed-' || lpad(i::text, 8, '0'), '00000000-0000-4000-8000-' || lpad((i % 1000)::text, 12, '0'), 'claude', 'agent-' || (i % 1000),
       'PreToolUse', 'PreToolUse', 'Bash', 'Bash', 'toolu_' || i,
       convert_to(json_build_object('command', CASE i % 10 WHEN 0 THEN 'rm -rf build/' || i WHEN 1 THEN 'git push origin main' ELSE 'npm test -- ' || i END)::text, 'UTF8'),
       '/home/u/project', 'default', 0, now_ms - 86400000 + i * 800, now_ms - 86400000 + i * 800,
       v, v, (v = 'allow')::int, r, 'rule', rules, 1, v, CASE WHEN i % 50 = 7 THEN 'local' ELSE 'remote' END, r, rules, 1, 300 + i % 700,
       'enforce', now_ms - 86400000 + i * 800
FROM (SELECT i, CASE i % 10 WHEN 0 THEN 'deny' WHEN 1 THEN 'ask' ELSE 'allow' END AS v,
             CASE i % 10 WHEN 0 THEN 'Recursive force delete is blocked' WHEN 1 THEN 'Pushing needs a human' ELSE NULL END AS r,
             CASE i % 10 WHEN 0 THEN 'no-force-delete' WHEN 1 THEN 'confirm-push' ELSE '' END AS rules
      FROM generate_series(0, :n - 1) AS i) s, t
ON CONFLICT DO NOTHING;
ANALYZE;
