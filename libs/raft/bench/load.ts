import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

/**
 * The load generator, in its own process: `concurrency` clients in a closed loop, each
 * writing one 128-byte value at a time to `target`: first for `warmup` seconds unmeasured, then
 * for `seconds` measured. Prints one JSON line:
 * { done, errors, seconds, rate, p50, p90, p99, max } (latencies in ms).
 *   load.ts --kind rookery|etcd --target http://127.0.0.1:8001 --concurrency 16 --seconds 10 --warmup 3 [--value-bytes 128]
 * The warm-up is per level because a traced run showed both systems' slow requests bunched in
 * the first seconds of each level (this fresh process's JIT, and the nodes' for the new pattern).
 */
function arg(name: string, dflt?: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : dflt;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

const kind = arg('kind');
const target = new URL(arg('target'));
const concurrency = Number(arg('concurrency'));
const seconds = Number(arg('seconds', '10'));
const warmup = Number(arg('warmup', '0'));
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
// --value-bytes: the size of what is written (npm run bench compares etcd puts the size of a chess move's entry).
const value = 'v'.repeat(Number(arg('value-bytes', '128')));

function put(key: string): Promise<boolean> {
  const body =
    kind === 'etcd'
      ? JSON.stringify({ key: Buffer.from(key).toString('base64'), value: Buffer.from(value).toString('base64') })
      : JSON.stringify({ key, value });
  const path = kind === 'etcd' ? '/v3/kv/put' : '/put';
  return new Promise((resolve) => {
    const req = request({ host: target.hostname, port: target.port, path, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.end(body);
  });
}

/** `concurrency` closed-loop writers until `until`; calls `done(ok, ms, startedAt)` per request. */
async function run(until: number, done: (ok: boolean, ms: number, startedAt: bigint) => void): Promise<void> {
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, c) => {
      while (Date.now() < until) {
        const s = process.hrtime.bigint();
        const ok = await put(`k${c}-${n++ % 10000}`);
        done(ok, Number(process.hrtime.bigint() - s) / 1e6, s);
      }
    }),
  );
}

async function main(): Promise<void> {
  if (warmup > 0) await run(Date.now() + warmup * 1000, () => undefined);
  const lat: number[] = [];
  // LOAD_TRACE=<file>: every request's start (ms into the run) and latency, to see where a tail comes from.
  const trace: string[] = [];
  let errors = 0;
  const t0 = process.hrtime.bigint();
  await run(Date.now() + seconds * 1000, (ok, ms, started) => {
    if (process.env.LOAD_TRACE) trace.push(`${(Number(started - t0) / 1e6).toFixed(2)} ${ms.toFixed(3)}`);
    if (ok) lat.push(ms);
    else errors++;
  });
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort((a, b) => a - b);
  const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? 0;
  const round = (x: number): number => Math.round(x * 100) / 100;
  process.stdout.write(
    `${JSON.stringify({ done: lat.length, errors, seconds: round(elapsed), rate: Math.round(lat.length / elapsed), p50: round(q(0.5)), p90: round(q(0.9)), p99: round(q(0.99)), max: round(lat[lat.length - 1] ?? 0) })}\n`,
  );
  if (process.env.LOAD_TRACE) writeFileSync(process.env.LOAD_TRACE, `${trace.join('\n')}\n`);
  agent.destroy();
}

void main();
