// What the browser test scripts share: Chromium in a throwaway profile, named checks, and the exit code.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Starts headless Chromium (CHROMIUM, default /usr/bin/chromium) in a fresh profile. */
export async function launch(options = {}) {
  const profile = mkdtempSync(join(tmpdir(), "hookline-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
    ...options,
  });
  return { context, close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); } };
}

/** Named checks: each prints ok or FAIL with its error; onFailure (a screenshot) runs after a failure. */
export function checks(onFailure = async () => {}) {
  const failures = [];
  return {
    async check(name, body) {
      try {
        await body();
        console.log(`ok   ${name}`);
      } catch (err) {
        failures.push(name);
        console.log(`FAIL ${name}\n${err && err.stack ? err.stack : err}`);
        await onFailure(name).catch(() => {});
      }
    },
    /** Prints the summary the C# side looks for, and exits non-zero after any failure. */
    finish() {
      if (failures.length > 0) {
        console.log(`${failures.length} failed: ${failures.join("; ")}`);
        process.exit(1);
      }
      console.log("all passed");
    },
  };
}
