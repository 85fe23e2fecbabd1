// The approvals pages in headless Chromium: sign in through a webhook-style link, watch requests arrive and leave
// live, approve and deny with a click, and see a replayed answer refused.
// Started by tests/Hookline.Dashboard.Tests (ApprovalBrowserTests) with these variables:
//   BASE_URL  the server's HTTP/1.1 base URL;  TOKEN  a token to sign in with;  AGENT_USER  the agent's user;
//   CHROMIUM  the browser
// and a conversation with the test on stdin/stdout, so that requests appear only once the page is open:
//   we print "PAGE-OPEN"        the test opens approvals and answers "A <id>", "B <id>", "C <id>" (one line each)
//   we print "RESOLVE <id>"     the test answers <id> elsewhere (as the CLI would) and answers "RESOLVED"
import { launch, checks } from "./harness.mjs";
import assert from "node:assert/strict";
import { createInterface } from "node:readline";

const env = (name) => { const v = process.env[name]; if (!v) throw new Error(`${name} is not set`); return v; };
const base = env("BASE_URL").replace(/\/$/, "");
const token = env("TOKEN");
const lines = createInterface({ input: process.stdin });
const input = lines[Symbol.asyncIterator]();
const ask = async (line) => { console.log(line); const { value, done } = await input.next(); if (done) throw new Error("the test closed stdin"); return value; };

const { context: browser, close } = await launch();
browser.setDefaultTimeout(20_000);
const page = await browser.newPage();
const dialogs = [];
page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss(); });
const { check, finish } = checks(async (name) => {
  await page.screenshot({ path: `/tmp/hookline-approvals-${name.replace(/\W+/g, "-").slice(0, 40)}.png` });
});
const ids = {};
const pendingRow = (id) => page.locator("#approvals tbody tr").filter({ has: page.locator(`a[href="/ui/approvals/${id}"]`) });
const resolvedRow = (id) => page.locator("#resolved tbody tr").filter({ has: page.locator(`a[href="/ui/approvals/${id}"]`) });

try {
  await check("the approvals page asks for sign-in, returns to itself, keeps the answer key and goes live", async () => {
    await page.goto(`${base}/ui/approvals`);
    assert.match(page.url(), /\/ui\/login\?next=%2Fui%2Fapprovals$/);
    await page.fill('input[name="token"]', token);
    await Promise.all([page.waitForURL(/\/ui\/approvals$/), page.click('button[type="submit"]')]);
    // The key came in the fragment, which the page dropped from its URL and kept for this origin.
    assert.ok(!page.url().includes("#"), page.url());
    assert.ok(await page.evaluate(() => (localStorage.getItem("hookline-answer-key") || "").length > 20));
    await page.locator('#live-status[data-state="live"]').waitFor();
    assert.equal(await page.locator("header a.on").textContent(), "Approvals");
  });

  await check("requests made after the page opened appear without a reload, their hostile text as text, time left counting down", async () => {
    for (const line of [await ask("PAGE-OPEN"), (await input.next()).value, (await input.next()).value]) {
      const [name, id] = line.split(" ");
      ids[name] = id;
    }
    const row = pendingRow(ids.A);
    await row.waitFor();
    await pendingRow(ids.B).waitFor();
    assert.match(await row.locator("td.subject").textContent(), /<img src=x onerror=alert\(1\)>/);
    assert.equal(await page.locator("#approvals img").count(), 0);
    assert.deepEqual(dialogs, []);
    const cells = await row.locator("td").allTextContents();
    assert.ok(cells.includes(env("AGENT_USER")) && cells.includes("claude") && cells.includes("prod-deploys"), JSON.stringify(cells));
    assert.ok(cells.some((c) => c.startsWith("any-approver")), JSON.stringify(cells));
    const left = row.locator("td.left");
    const first = await left.textContent();
    assert.match(first, /^\d+m \d\ds$|^\d+s$/);
    // The page's CSP allows no eval, so no waitForFunction: a locator waits for the cell to say something else.
    await left.filter({ hasNotText: first }).waitFor();
    assert.ok(await page.locator("#approvals-empty").isHidden());
  });

  await check("a click approves a request: it leaves the pending list for the resolved one", async () => {
    const row = pendingRow(ids.A);
    await row.locator('input[name="reason"]').fill("checked the diff");
    await row.locator('button[value="approve"]').click();
    await page.locator('#answer-outcome[data-outcome="answered"]').waitFor();
    await pendingRow(ids.A).waitFor({ state: "detached" });
    const done = resolvedRow(ids.A);
    await done.waitFor();
    assert.equal(await done.locator(".badge").textContent(), "approved");
    assert.ok((await done.locator("td").allTextContents()).includes("dashboard"));
  });

  await check("a request answered elsewhere leaves the page without a reload", async () => {
    assert.equal(await ask(`RESOLVE ${ids.B}`), "RESOLVED");
    await pendingRow(ids.B).waitFor({ state: "detached" });
    assert.equal(await resolvedRow(ids.B).locator(".badge").textContent(), "denied");
  });

  await check("the page a link opens denies with a reason, and a replayed answer is refused as already resolved", async () => {
    await page.goto(`${base}/ui/approvals/${ids.C}?via=link`);
    assert.equal(await page.locator("#approval .badge").textContent(), "pending");
    assert.equal(await page.locator('form.answer input[name="channel"]').inputValue(), "link");
    await page.click('form.answer button[value="deny"]');
    await page.locator('#answer-outcome[data-outcome="reason_required"]').waitFor();
    await page.fill('form.answer input[name="reason"]', "not during the freeze");
    await page.click('form.answer button[value="deny"]');
    await page.locator('#answer-outcome[data-outcome="answered"]').waitFor();
    assert.equal(await page.locator("#approval .badge").textContent(), "denied");
    const replay = await page.evaluate(async (id) => {
      const r = await fetch(`/ui/approvals/${id}/approve`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "X-Hookline-Csrf": document.querySelector('meta[name="hookline-csrf"]').content,
          "X-Hookline-Answer-Key": localStorage.getItem("hookline-answer-key"),
        },
        body: JSON.stringify({ reason: "again", channel: "link" }),
      });
      return [r.status, (await r.json()).outcome];
    }, ids.C);
    assert.deepEqual(replay, [409, "already_resolved"]);
    await page.reload();
    assert.equal(await page.locator("form.answer").count(), 0);
  });
} finally {
  lines.close();
  await close();
}
finish();
