// Drives Claude Code's two hook transports from a separate Node.js process, as an agent does: a command hook is a
// spawned process fed the event on stdin; an HTTP hook is a POST on a kept-alive loopback connection with the secret
// header. Called by `Hookline.LoadTool transports --client node [--http-only]`; prints the timings (ns) as one JSON line.
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const bodies = config.bodies.map((path) => readFileSync(path));
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL(config.url);
const deadline = Date.now() + config.maxSeconds * 1000;

function post(body) {
  return new Promise((resolve) => {
    const request = http.request({
      agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': body.length, [config.secretHeader]: config.secret },
    }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ ok: response.statusCode === 200, text: Buffer.concat(chunks).toString() }));
    });
    request.on('error', () => resolve({ ok: false, text: '' }));
    request.end(body);
  });
}

function spawnHook(body) {
  const run = spawnSync(config.hook, ['--agent', 'claude', '--event', 'pre-tool-use'], {
    input: body, env: config.env, timeout: 30_000,
  });
  return run.status === 0;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const result = { command: [], http: [], failures: 0, check: (await post(bodies[config.denyIndex])).text };
for (let i = 0; i < config.warmup + config.n && Date.now() < deadline; i++) {
  const body = bodies[i % bodies.length];
  const times = {};
  const turns = config.httpOnly ? ['http'] : i % 2 === 0 ? ['command', 'http'] : ['http', 'command'];
  for (const turn of turns) {
    if (config.gapMs > 0) await sleep(config.gapMs);
    const start = process.hrtime.bigint();
    const ok = turn === 'command' ? spawnHook(body) : (await post(body)).ok;
    times[turn] = Number(process.hrtime.bigint() - start);
    if (!ok) result.failures++;
  }
  if (i >= config.warmup) {
    if (!config.httpOnly) result.command.push(times.command);
    result.http.push(times.http);
  }
}
agent.destroy();
console.log(JSON.stringify(result));
