-- Seeds :n events in 1,000 sessions straight into a server's hookline.db (the schema the server created).
-- Used by bench/dashboard/figures.sh; a mix of allow / ask / deny, sources and rules like a busy day.
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 999)
INSERT OR IGNORE INTO sessions (session_id, agent, agent_session_id, cwd, user_name, hostname, sidecar_version, status,
                                created_at_ms, last_seen_ms, ended_at_ms)
SELECT printf('00000000-0000-4000-8000-%012d', i), CASE i % 3 WHEN 0 THEN 'claude' WHEN 1 THEN 'codex' ELSE 'cursor' END,
       'agent-' || i, '/home/u' || (i % 20) || '/project' || (i % 7), 'user' || (i % 20), 'host', 'seed', 'ended',
       CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 86400000 + i * 60000,
       CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 86400000 + i * 60000 + 3600000,
       CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 86400000 + i * 60000 + 3600000
FROM seq;

WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < 99999)
INSERT OR IGNORE INTO events (event_id, session_id, agent, agent_session_id, hook_event, native_event, tool_name,
    native_tool_name, tool_use_id, tool_input, cwd, permission_mode, payload_truncated, event_time_ms, received_at_ms,
    verdict, evaluated, is_default, reason, reason_code, rule_ids, policy_epoch, applied_verdict, applied_source,
    applied_reason, applied_rule_ids, applied_epoch, applied_latency_us, mode, stored_at_ms)
SELECT printf('seed-%08d', i), printf('00000000-0000-4000-8000-%012d', i % 1000), 'claude', 'agent-' || (i % 1000),
       'PreToolUse', 'PreToolUse', 'Bash', 'Bash', 'toolu_' || i,
       CAST(json_object('command', CASE i % 10 WHEN 0 THEN 'rm -rf build/' || i WHEN 1 THEN 'git push origin main' ELSE 'npm test -- ' || i END) AS BLOB),
       '/home/u/project', 'default', 0,
       CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 86400000 + i * 800, CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 86400000 + i * 800,
       v, v, v = 'allow', r, 'rule', rules, 1, v, CASE WHEN i % 50 = 7 THEN 'local' ELSE 'remote' END, r, rules, 1, 300 + i % 700,
       'enforce', CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 86400000 + i * 800
FROM (SELECT i, CASE i % 10 WHEN 0 THEN 'deny' WHEN 1 THEN 'ask' ELSE 'allow' END AS v,
             CASE i % 10 WHEN 0 THEN 'Recursive force delete is blocked' WHEN 1 THEN 'Pushing needs a human' ELSE NULL END AS r,
             CASE i % 10 WHEN 0 THEN 'no-force-delete' WHEN 1 THEN 'confirm-push' ELSE '' END AS rules
      FROM seq);
