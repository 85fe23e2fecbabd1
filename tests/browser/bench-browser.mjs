// Shared by the dashboard's measuring scripts (measure.mjs, overview-measure.mjs; not by the tests): headless Chromium
// through playwright-core, the first contentful paint of a page, and median / p99 of a list of times.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Starts headless Chromium in a throwaway profile; close() ends it and removes the profile. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "hookline-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { page, close };
}

/** Loads url and returns its first contentful paint in ms after navigation start (throws when none comes in 5 s). */
export async function firstPaint(page, url) {
  await page.goto(url, { waitUntil: "load" });
  const fp = await page.evaluate(() => new Promise((resolve) => {
    new PerformanceObserver((list) => {
      const entry = list.getEntries().find((e) => e.name === "first-contentful-paint");
      if (entry) resolve(entry.startTime);
    }).observe({ type: "paint", buffered: true });
    setTimeout(() => resolve(null), 5000);
  }));
  if (fp == null) throw new Error(`no first-contentful-paint entry for ${url}`);
  return fp;
}

/** "median X ms, p99 Y ms (n=N)": p99 is the nearest-rank percentile, the maximum below 100 samples. */
export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return `median ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms (n=${s.length})`;
}
