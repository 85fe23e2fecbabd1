// The overview page in headless Chromium against a real server, sidecar and hook binary (a fresh stack: it counts
// every event the test fires). Started by tests/Hookline.Dashboard.Tests with:
//   BASE_URL  the server's HTTP/1.1 base URL;  HOOK_BIN, HOOK_SOCKET  the AOT hook and the sidecar's socket
//   HOOKLINE_BIN  the AOT CLI (for `hookline events --json`);  SHOTS_DIR  where screenshots go
import { launch, checks } from "./harness.mjs";
import { execFile, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import assert from "node:assert/strict";

const env = (name) => { const v = process.env[name]; if (!v) throw new Error(`${name} is not set`); return v; };
const base = env("BASE_URL").replace(/\/$/, "");
const hookBin = env("HOOK_BIN");
const socket = env("HOOK_SOCKET");
const cli = env("HOOKLINE_BIN");
const shots = env("SHOTS_DIR");
const bound = 20_000;
mkdirSync(shots, { recursive: true });

function fireHook(command, { event = "pre-tool-use", name = "PreToolUse", tool = "Bash", input = { command, description: "overview test" } } = {}) {
  const stdin = JSON.stringify({
    session_id: "5b0b8a64-3c43-4a8e-9d51-0c8f3e7a2b19", cwd: "/home/dev/proj", permission_mode: "default",
    hook_event_name: name, tool_name: tool, tool_input: input, tool_use_id: "toolu_" + Math.random().toString(16).slice(2),
  });
  return new Promise((resolve, reject) => {
    const child = spawn(hookBin, ["--agent", "claude", "--event", event], { env: { ...process.env, HOOKLINE_SOCKET: socket, HOOKLINE_FAIL_MODE: "closed" } });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout }));
    child.stdin.end(stdin);
  });
}

/** `hookline events --json` over the server's API for the range: the decided events, one object each. */
function eventsOf(since, until) {
  return new Promise((resolve, reject) => {
    execFile(cli, ["events", "--server", base, "--since", since, "--until", until, "--limit", "100000", "--json"], { timeout: bound },
      (err, stdout, stderr) => err ? reject(new Error(`${err.message}\n${stderr}`))
        : resolve(stdout.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l)).filter((e) => e.applied)));
  });
}

const card = (page, key) => page.locator(`#overview-totals .card[data-key="${key}"] .v`).innerText().then(Number);

const browser = await launch({ viewport: { width: 1400, height: 900 } });
const context = browser.context;
const page = context.pages()[0] ?? (await context.newPage());
page.setDefaultTimeout(bound);
const { check, finish } = checks((name) => page.screenshot({ path: join(shots, `failed-overview-${name.replace(/\W+/g, "-")}.png`) }));
const fired = [
  ["rm -rf /tmp/a", "deny"], ["rm -rf /tmp/b", "deny"], ["rm -rf /var/c", "deny"], ["git push origin main", "ask"],
  ["git push origin dev", "ask"], ["git status", "allow"], ["ls -la", "allow"], ["cat README.md", "allow"],
];
// The PostToolUse below is stored with the verdict the agent was told too (a non-blocking allow): one more decision.
const decided = fired.length + 1;

try {
  await check("the dashboard lands on the overview, which follows the live feed", async () => {
    await page.goto(`${base}/ui`);
    await page.waitForURL(/\/ui\/overview$/);
    assert.equal(await page.locator("header a.on").innerText(), "Overview");
    await page.waitForSelector('#live-status[data-state="live"]');
    assert.equal(await card(page, "decided"), 0);
  });

  await check("hooks fired through the real hook show up in the charts without a reload", async () => {
    for (const [command, expected] of fired) {
      const hook = await fireHook(command);
      assert.equal(hook.code, 0);
      if (expected !== "allow") assert.match(hook.stdout, new RegExp(`"permissionDecision":"${expected}"`));
    }
    // Only a PostToolUse: a call that ran ungoverned (as when a matcher missed an MCP tool).
    assert.equal((await fireHook("", { event: "post-tool-use", name: "PostToolUse", tool: "mcp__tracker__close", input: { id: 7 } })).code, 0);
    // overview.js refetches the server-drawn fragment (at most every 2 s) while events arrive.
    // (The CSP forbids eval, so no waitForFunction: a locator waits for the text.)
    await page.locator('#overview-totals .card[data-key="decided"] .v', { hasText: new RegExp(`^${decided}$`) }).waitFor();
    assert.ok(Number(await page.locator("#overview-charts").getAttribute("data-updated")) >= 1, "swapped in by the script");
  });

  await check("its numbers equal the counts of `hookline events --json` for the same range", async () => {
    const range = page.locator("#overview-range");
    const since = await range.getAttribute("data-from");
    const until = await range.getAttribute("data-to");
    const events = await eventsOf(since, until);
    const count = (verdict) => events.filter((e) => e.applied === verdict).length;
    assert.equal(events.length, decided);
    assert.deepEqual(
      [await card(page, "decided"), await card(page, "allow"), await card(page, "ask"), await card(page, "deny")],
      [events.length, count("allow"), count("ask"), count("deny")]);
    // The timeline's table adds up to the same events, bucket by bucket.
    const rows = await page.locator('#chart-decisions table.buckets tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
    assert.equal(rows.reduce((sum, cells) => sum + Number(cells[cells.length - 1]), 0), events.length);
    // Every top rule's denials and asks, as the events name their rules.
    const tops = await page.locator("#top-rules tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.dataset.key, Number(tr.querySelector("td.deny").textContent), Number(tr.querySelector("td.ask").textContent)]));
    assert.ok(tops.length >= 2, JSON.stringify(tops));
    for (const [rule, deny, ask] of tops) {
      const mine = events.filter((e) => (e.rule_ids || []).includes(rule));
      assert.deepEqual([deny, ask], [mine.filter((e) => e.applied === "deny").length, mine.filter((e) => e.applied === "ask").length], rule);
    }
    // Each mark carries its numbers on hover; each chart its table.
    assert.ok(await page.locator("#chart-decisions svg.chart rect title").count() >= 1);
    assert.match(await page.locator("#chart-decisions svg.chart rect title").first().textContent(), /(allow|ask|deny) \d+ of \d+/);
    // A histogram per source; one with measured latencies has p50 and p99 marked.
    const figures = await page.locator("#chart-latency figure.latency").all();
    assert.ok(figures.length >= 1, "a latency series per source");
    for (const figure of figures) {
      if ((await figure.locator("svg").count()) === 0) continue; // no latency measured for this source
      assert.deepEqual(await figure.locator("line.marker title").allTextContents().then((t) => t.map((x) => x.split(" ")[0])), ["p50", "p99"]);
    }
  });

  await check("a range picked from the page keeps the counts of its own range", async () => {
    await page.click('nav.ranges a[href="/ui/overview?range=1h"]');
    await page.waitForURL(/range=1h/);
    assert.equal(await card(page, "decided"), decided);
    await page.goto(`${base}/ui/overview?since=2025-01-01T00:00:00Z&until=2025-01-02T00:00:00Z`);
    assert.equal(await card(page, "decided"), 0);
    assert.match(await page.locator("#live-status").innerText(), /not live/);
    await page.goto(`${base}/ui/overview?range=1h`); // the last hour: the test's minutes fill more of each chart
  });

  await check("the ungoverned call is counted by cause", async () => {
    const row = page.locator('#ungoverned tr[data-cause="mcp_tool"]');
    const deadline = Date.now() + bound;
    while ((await row.count()) === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200)); // stored after the hook's answer; poll the page
      await page.reload();
    }
    assert.equal(await row.count(), 1);
    await page.screenshot({ path: join(shots, "overview.png"), fullPage: true });
    await page.setViewportSize({ width: 480, height: 900 });
    await page.screenshot({ path: join(shots, "overview-narrow.png") });
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  await check("a click on a top rule opens the live view of that rule's denials and asks in the range", async () => {
    const link = page.locator('#top-rules tr[data-key="no-force-delete"] a');
    const deny = Number(await page.locator('#top-rules tr[data-key="no-force-delete"] td.deny').innerText());
    await Promise.all([page.waitForURL(/\/ui\/live\?decision=deny%2Cask&rule=no-force-delete&since=.+&until=.+/), link.click()]);
    const rows = await page.locator("#feed tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.className, tr.querySelector("td.rules").textContent]));
    assert.equal(rows.length, deny);
    assert.ok(rows.every(([cls, rules]) => cls === "d-deny" && rules.split(", ").includes("no-force-delete")), JSON.stringify(rows));
  });
} finally {
  await browser.close();
}
finish();
