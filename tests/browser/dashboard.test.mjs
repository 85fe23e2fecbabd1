// Drives the Hookline dashboard in headless Chromium against a real server, sidecar and hook binary.
// Started by tests/Hookline.Dashboard.Tests with these variables:
//   BASE_URL      the server's HTTP/1.1 base URL (its --http-listen)
//   HOOK_BIN      the Native AOT hookline-hook;  HOOK_SOCKET  the sidecar's hook socket
//   POLICY_FILE   the server's policy file (edited by the policy test)
//   SHOTS_DIR     where screenshots go;  CHROMIUM  the browser (default /usr/bin/chromium)
// Prints one line per check and exits non-zero on the first failure.
import { launch, checks } from "./harness.mjs";
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

const env = (name) => { const v = process.env[name]; if (!v) throw new Error(`${name} is not set`); return v; };
const base = env("BASE_URL").replace(/\/$/, "");
const hookBin = env("HOOK_BIN");
const socket = env("HOOK_SOCKET");
const policyFile = env("POLICY_FILE");
const shots = env("SHOTS_DIR");
const bound = 20_000; // generous "does not hang" bound for anything but the 1 s live-feed promise
mkdirSync(shots, { recursive: true });

function fireHook(command, { event = "pre-tool-use", name = "PreToolUse", tool = "Bash", input = { command, description: "browser test" } } = {}) {
  const stdin = JSON.stringify({
    session_id: "3982e839-f0d1-4fef-886f-7146ed1dad82", cwd: "/home/dev/proj", permission_mode: "default",
    hook_event_name: name, tool_name: tool, tool_input: input,
    tool_use_id: "toolu_" + Math.random().toString(16).slice(2),
  });
  return new Promise((resolve, reject) => {
    const child = spawn(hookBin, ["--agent", "claude", "--event", event], {
      env: { ...process.env, HOOKLINE_SOCKET: socket, HOOKLINE_FAIL_MODE: "closed" },
    });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, returnedAt: performance.now() }));
    child.stdin.end(stdin);
  });
}

const browser = await launch({ viewport: { width: 1400, height: 800 } });
const context = browser.context;
const page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(bound);
const { check, finish } = checks((name) => page.screenshot({ path: join(shots, `failed-${name.replace(/\W+/g, "-")}.png`) }));
const tag = Date.now().toString(36);
const denied = `rm -rf /tmp/doomed-${tag}`;

try {
  await check("a hook fired through the real hook binary appears in the live feed within 1 s", async () => {
    await page.goto(`${base}/ui/live`);
    await page.waitForSelector('#live-status[data-state="live"]');
    const hook = await fireHook(denied);
    assert.equal(hook.code, 0);
    assert.match(hook.stdout, /"permissionDecision":"deny"/);
    const row = page.locator("#feed tbody tr.d-deny", { hasText: `doomed-${tag}` });
    await row.waitFor({ timeout: 1000 });
    console.log(`     live-feed latency after the hook returned: ${(performance.now() - hook.returnedAt).toFixed(0)} ms`);
    assert.match(await row.innerText(), /no-force-delete/);
    for (const command of ["git status", "git push origin main"]) {
      await fireHook(command);
    }
    await page.locator("#feed tbody tr.d-ask").first().waitFor();
    await page.screenshot({ path: join(shots, "live.png") });
  });

  await check("a filter narrows the feed and its URL reproduces the view", async () => {
    await page.goto(`${base}/ui/live`);
    await page.selectOption('select[name="decision"]', "deny");
    await Promise.all([page.waitForURL(/decision=deny/), page.click('form.filters button[type="submit"]')]);
    const url = page.url();
    await page.waitForSelector('#live-status[data-state="live"]');
    const shown = await page.locator("#feed tbody tr").evaluateAll((rows) => rows.map((r) => [r.dataset.eventId, r.className]));
    assert.ok(shown.length >= 1, "the denied event is listed");
    assert.ok(shown.every(([, cls]) => cls === "d-deny"), `only denials: ${JSON.stringify(shown)}`);
    // Live updates follow the filter too: a new allow stays out, a new deny comes in.
    await fireHook("git status");
    const second = `rm -rf /tmp/second-${tag}`;
    await fireHook(second);
    await page.locator("#feed tbody tr", { hasText: `second-${tag}` }).waitFor();
    assert.equal(await page.locator("#feed tbody tr:not(.d-deny)").count(), 0);
    const shared = await context.newPage();
    await shared.goto(url);
    const reproduced = await shared.locator("#feed tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.eventId));
    assert.equal(await shared.locator('select[name="decision"]').inputValue(), "deny");
    assert.ok(reproduced.length === shown.length + 1, `the shared URL shows the same view: ${reproduced.length} vs ${shown.length}+1`);
    assert.deepEqual(reproduced.slice(1), shown.map(([id]) => id));
    await shared.screenshot({ path: join(shots, "live-filtered.png") });
    await shared.close();
  });

  await check("a forged event id neither hides nor replaces another row of the live feed", async () => {
    // A hostile sidecar controls event_id. Stand-in for one: the feed of this page answers two forged events, one id
    // full of selector characters, one reusing a stored deny's id under another session.
    await page.goto(`${base}/ui/live`);
    const denies = await page.locator("#feed tbody tr.d-deny").evaluateAll((rows) => rows.map((r) => r.dataset.eventId));
    assert.ok(denies.length >= 1, "a stored deny to protect");
    const forged = (eventId, word) => ({
      event_id: eventId, session_id: "7d4f3c1e-9a7b-4c55-8e0e-2f1f5b3a9d10", occurred_at: new Date().toISOString(),
      agent: "claude", user: "mallory", hook_event: "PreToolUse", tool_name: "Bash",
      tool_input: JSON.stringify({ command: `echo ${word}-${tag}` }), applied: "allow", source: "remote", rule_ids: [], reason: "",
    });
    const body = ["event: ready\ndata: {}\n\n",
      `data: ${JSON.stringify(forged('x"],tr.d-deny,tr[data-event-id="y', "selector"))}\n\n`,
      `data: ${JSON.stringify(forged(denies[0], "impostor"))}\n\n`].join("");
    const victim = await context.newPage();
    await victim.route(/\/api\/live/, (route) => route.fulfill({ status: 200, headers: { "content-type": "text/event-stream" }, body }));
    await victim.goto(`${base}/ui/live`);
    await victim.locator("#feed tbody tr", { hasText: `selector-${tag}` }).waitFor();
    await victim.locator("#feed tbody tr", { hasText: `impostor-${tag}` }).waitFor();
    const after = await victim.locator("#feed tbody tr.d-deny").evaluateAll((rows) => rows.map((r) => r.dataset.eventId));
    assert.deepEqual(after, denies, "every stored deny is still shown");
    await victim.close();
  });

  await check("the session page shows the denied event with its rule and reason", async () => {
    await page.goto(`${base}/ui/sessions`);
    await page.screenshot({ path: join(shots, "sessions.png") });
    await page.goto(`${base}/ui/live?decision=deny`);
    await page.locator("#feed tbody tr", { hasText: `doomed-${tag}` }).locator("a").first().click();
    await page.waitForURL(/\/ui\/sessions\//);
    const row = page.locator("#timeline tbody tr", { hasText: `doomed-${tag}` });
    const text = await row.innerText();
    assert.match(text, /deny/);
    assert.match(text, /no-force-delete/);
    assert.match(text, /Recursive force delete is blocked/);
    await row.locator("details.raw summary").click();
    await row.locator("details.raw pre", { hasText: "tool_input" }).waitFor();
    assert.match(await row.locator("details.raw pre").innerText(), /doomed/);
    await page.screenshot({ path: join(shots, "session.png"), fullPage: true });
  });

  await check("the session page flags a tool call that ran without a PreToolUse as ungoverned, with its cause", async () => {
    // Only a PostToolUse: as when a matcher missed an MCP tool. Stored after the answer, so the page is reloaded until it shows.
    const hook = await fireHook("", { event: "post-tool-use", name: "PostToolUse", tool: `mcp__tracker__close_${tag}`, input: { id: 7 } });
    assert.equal(hook.code, 0);
    const row = page.locator("#coverage tbody tr", { hasText: `mcp__tracker__close_${tag}` });
    const deadline = Date.now() + bound;
    while ((await row.count()) === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200)); // stored after the hook's answer; poll the page
      await page.reload();
    }
    assert.equal(await row.count(), 1, "the ungoverned call is listed under Coverage");
    assert.match(await row.innerText(), /mcp_tool/);
    assert.match(await row.innerText(), /post_tool_use/);
    assert.match(await page.locator("#coverage-summary").innerText(), /ungoverned \(mcp_tool 1\)/);
    await page.screenshot({ path: join(shots, "coverage.png"), fullPage: true });
  });

  await check("the policy page shows a new epoch after the policy file is edited", async () => {
    await page.goto(`${base}/ui/policy`);
    const before = Number(await page.locator("#epoch").getAttribute("data-epoch"));
    appendFileSync(policyFile, `\n  - id: no-curl-${tag}\n    effect: deny\n    match: "Bash(curl *)"\n    reason: "No downloads"\n`);
    const deadline = Date.now() + bound;
    let epoch = before;
    while (epoch === before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200)); // the server reloads on its file watcher; poll the page
      await page.reload();
      epoch = Number(await page.locator("#epoch").getAttribute("data-epoch"));
    }
    assert.equal(epoch, before + 1, "a new epoch after the edit");
    await page.locator(`#epochs tr[data-epoch="${before + 1}"]`).waitFor();
    assert.match(await page.locator("#diff-lines .add").allInnerTexts().then((t) => t.join("\n")), new RegExp(`no-curl-${tag}`));
    assert.match(await page.locator("#never-fired").innerText(), new RegExp(`no-curl-${tag}`));
    await page.screenshot({ path: join(shots, "policy.png"), fullPage: true });
  });

  await check("the health page shows the connected sidecar", async () => {
    await page.goto(`${base}/ui/health`);
    const streams = await page.locator('.card[data-key="open-streams"] .v').innerText();
    assert.ok(Number(streams) >= 1, `open streams: ${streams}`);
    await page.screenshot({ path: join(shots, "health.png") });
  });
} finally {
  await browser.close();
}
finish();
