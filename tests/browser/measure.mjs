// Measures the dashboard in headless Chromium (used by bench/dashboard/figures.sh, not by the tests):
// first paint of /ui/sessions, and the live-feed latency from spawning a hook to its row in the page.
import { spawn } from "node:child_process";
import { firstPaint, launchBrowser, stats } from "./bench-browser.mjs";

const base = process.env.BASE_URL;
const runs = Number(process.env.RUNS || 50);
const { page, close } = await launchBrowser();

function fire(command) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.HOOK_BIN, ["--agent", "claude", "--event", "pre-tool-use"],
      { env: { ...process.env, HOOKLINE_SOCKET: process.env.HOOK_SOCKET, HOOKLINE_FAIL_MODE: "closed" } });
    child.on("error", reject);
    child.on("close", resolve);
    child.stdin.end(JSON.stringify({ session_id: "bench", cwd: "/tmp", hook_event_name: "PreToolUse", tool_name: "Bash",
      tool_input: { command }, tool_use_id: "toolu_" + Math.random().toString(16).slice(2) }));
  });
}
try {
  const paints = [];
  for (let i = 0; i < runs + 3; i++) {
    const fp = await firstPaint(page, `${base}/ui/sessions`);
    if (i >= 3) paints.push(fp); // the first loads warm the server and the browser
  }
  console.log(`sessions page, first contentful paint: ${stats(paints)}`);

  await page.goto(`${base}/ui/live`);
  await page.waitForSelector('#live-status[data-state="live"]');
  const latencies = [];
  for (let i = 0; i < runs + 3; i++) {
    const marker = `rm -rf /tmp/fig-${i}-${Date.now()}`;
    const t0 = performance.now();
    await fire(marker);
    await page.locator("#feed tbody tr", { hasText: marker.slice(7) }).first().waitFor({ timeout: 10000 });
    if (i >= 3) latencies.push(performance.now() - t0);
  }
  console.log(`live feed, hook spawned -> row shown: ${stats(latencies)}`);
} finally {
  await close();
}
