// Measures the overview over a seeded database (used by bench/dashboard/overview.sh, not by the tests):
// GET /api/overview?range=R timed at the client (request sent -> body read), and the first contentful paint of
// /ui/overview?range=R in headless Chromium (with when its HTML was received: the server's share), for each range.
// Each series starts with a warm-up that is not counted and stops after RUNS (PAINTS) samples or
// SECONDS_PER_SERIES seconds, whichever comes first, so a slow build still ends.
import { firstPaint, launchBrowser, stats } from "./bench-browser.mjs";

const base = process.env.BASE_URL;
const ranges = (process.env.RANGES || "1h,24h,7d,30d").split(",");
const runs = Number(process.env.RUNS || 100);
const paints = Number(process.env.PAINTS || 20);
const warmup = Number(process.env.WARMUP || 5);
const seconds = Number(process.env.SECONDS_PER_SERIES || 120);

/**
 * Runs sample() warmup times (for at most a quarter of the time cap), then count times while the cap allows and at
 * least once; returns the counted results.
 */
async function series(count, sample) {
  const start = performance.now();
  for (let i = 0; i < warmup && performance.now() < start + seconds * 250; i++) await sample();
  const out = [];
  while (out.length < count && (out.length === 0 || performance.now() < start + seconds * 1000)) out.push(await sample());
  return out;
}

/** The status of one GET (404: the build predates the overview). */
async function probe(path) {
  const res = await fetch(base + path, { signal: AbortSignal.timeout(60000) });
  await res.arrayBuffer();
  return res.status;
}

async function apiTime(path) {
  const t0 = performance.now();
  const res = await fetch(base + path, { signal: AbortSignal.timeout(60000) });
  const body = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 200)}`);
  return { ms, body };
}

const apiStatus = await probe("/api/overview?range=24h");
if (apiStatus === 404) {
  console.log("GET /api/overview: 404, this build does not serve the overview API yet: query times skipped");
} else {
  for (const range of ranges) {
    const path = `/api/overview?range=${range}`;
    const { body } = await apiTime(path);
    const view = JSON.parse(body);
    const decided = view.totals?.decided;
    const times = await series(runs, async () => (await apiTime(path)).ms);
    console.log(`${path.padEnd(28)} ${String(decided).padStart(9)} decisions  query ${stats(times)}`);
  }
}

const pageStatus = await probe("/ui/overview?range=24h");
if (pageStatus === 404) {
  console.log("GET /ui/overview: 404, this build has no overview page yet: first paints skipped");
} else {
  const { page, close } = await launchBrowser();
  page.setDefaultNavigationTimeout(120000); // a build that counts 1,000,000 events per load takes its time
  try {
    for (const range of ranges) {
      const url = `${base}/ui/overview?range=${range}`;
      const html = [];
      const times = await series(paints, async () => {
        const fp = await firstPaint(page, url);
        html.push(await page.evaluate(() => performance.getEntriesByType("navigation")[0].responseEnd));
        return fp;
      });
      console.log(`${`/ui/overview?range=${range}`.padEnd(28)} first contentful paint ${stats(times)}; ` +
        `page received ${stats(html.slice(-times.length))}`);
    }
  } finally {
    await close();
  }
}
