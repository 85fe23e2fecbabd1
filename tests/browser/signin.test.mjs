// Signs in to a Hookline server with tokens on, in headless Chromium, over plain http:// on loopback.
// Started by tests/Hookline.Dashboard.Tests (BrowserTests) with these variables:
//   BASE_URL     the server's HTTP/1.1 base URL;  ADMIN_TOKEN  an admin token;  CHROMIUM  the browser
// Shows that Chromium keeps the __Host- (Secure) session cookie on http://127.0.0.1 and http://localhost, that a
// script of the page reads by the cookie but writes nothing (no CSRF token, or a cookie that only reads), and that
// sign-out ends the session on the server.
import { launch, checks } from "./harness.mjs";
import assert from "node:assert/strict";

const env = (name) => { const v = process.env[name]; if (!v) throw new Error(`${name} is not set`); return v; };
const base = env("BASE_URL").replace(/\/$/, "");
const admin = env("ADMIN_TOKEN");
const port = new URL(base).port;
const { context: browser, close } = await launch();
browser.setDefaultTimeout(20_000);
const { check, finish } = checks();

try {
  for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
    await check(`${origin}: the browser keeps the __Host- session cookie, reads by it, cannot administer by it (CSRF token or not), sign-out ends it`, async () => {
      const page = await browser.newPage();
      await page.goto(`${origin}/ui/live`);
      assert.match(page.url(), /\/ui\/login\?next=%2Fui%2Flive$/);
      await page.fill('input[name="token"]', admin);
      await Promise.all([page.waitForURL(/\/ui\/live/), page.click('button[type="submit"]')]);
      // All cookies, then by host: Playwright's cookies(url) leaves Secure ones out for http://127.0.0.1 (not Chromium).
      const cookiesOf = async () => (await browser.cookies()).filter((c) => c.domain === new URL(origin).hostname && c.name.includes("hookline"));
      // Reaching /ui/live above already shows that Chromium stored the cookie and sent it back.
      const cookies = await cookiesOf();
      assert.equal(cookies.length, 1, JSON.stringify(cookies));
      const [cookie] = cookies;
      assert.equal(cookie.name, "__Host-hookline_session");
      assert.ok(cookie.secure && cookie.httpOnly && cookie.sameSite === "Strict" && cookie.path === "/", JSON.stringify(cookie));
      assert.notEqual(cookie.value, admin);

      // A script of the page: a write by cookie alone is refused for want of the CSRF token; with it, still refused,
      // because a cookie session only reads (browsers send cookies to every port of 127.0.0.1). Reads go through.
      const statuses = await page.evaluate(async () => {
        const csrf = document.querySelector('meta[name="hookline-csrf"]').content;
        const post = (headers) => fetch("/api/tokens", {
          method: "POST", headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ name: "from-page-" + Math.random().toString(16).slice(2), scope: "read" }),
        }).then((r) => r.status);
        const read = await fetch("/api/events").then((r) => r.status);
        return [await post({}), await post({ "X-Hookline-Csrf": csrf }), read];
      });
      assert.deepEqual(statuses, [403, 403, 200]);

      await Promise.all([page.waitForURL(/\/ui\/login$/), page.click("form.signout button")]);
      // The cookie is gone from the browser, and its old value is dead on the server.
      assert.equal((await cookiesOf()).length, 0);
      const replay = await browser.request.get(`${origin}/api/events`, { headers: { cookie: `${cookie.name}=${cookie.value}` }, maxRedirects: 0 });
      assert.equal(replay.status(), 401);
      await page.close();
    });
  }
} finally {
  await close();
}
finish();
