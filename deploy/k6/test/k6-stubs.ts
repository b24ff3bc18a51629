import { build, type Plugin } from 'esbuild';
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';

/**
 * k6's modules stood in for by Node's, so deploy/k6.spec.ts can run a bundled k6 script's
 * setup(), iterations and handleSummary() against a real cluster. k6 itself cannot be installed
 * here; what these stubs cannot prove is k6's runtime, not the scripts' logic. The stubs record
 * what the script reports: its checks and every metric sample.
 */
export interface Recorder {
  checks: Map<string, { passes: number; fails: number }>;
  samples: Map<string, { value: number; tags: Record<string, string> }[]>;
}

type Tags = Record<string, string>;
type Params = { headers?: Record<string, string>; tags?: Tags; responseCallback?: { expected: number[] } };

type K6Module = 'k6' | 'k6/http' | 'k6/metrics' | 'k6/timers' | 'k6/websockets';

/** Bundles a k6 script as build.mjs does, but with k6's modules read from `globalThis.__k6`. */
export async function bundleForNode(entry: string, outfile: string): Promise<void> {
  const stub: Plugin = {
    name: 'k6-stubs',
    setup(b) {
      b.onResolve({ filter: /^k6(\/.*)?$/ }, (a) => ({ path: a.path, namespace: 'k6-stub' }));
      b.onLoad({ filter: /.*/, namespace: 'k6-stub' }, (a) => {
        const names = Object.keys(stubs(newRecorder(), { request: () => ({ status: 0, body: '' }) })[a.path as K6Module] ?? {});
        const named = names.filter((n) => n !== 'default').map((n) => `export const ${n} = m.${n};`);
        return { contents: `const m = globalThis.__k6[${JSON.stringify(a.path)}];\nexport default m.default;\n${named.join('\n')}\n`, loader: 'js' };
      });
    },
  };
  await build({ entryPoints: [entry], outfile, bundle: true, format: 'esm', platform: 'neutral', target: 'es2020', plugins: [stub], logLevel: 'warning' });
}

export function newRecorder(): Recorder {
  return { checks: new Map(), samples: new Map() };
}

/** Installs the stubs and k6's globals; answers what the script records. */
export function installK6(env: Record<string, string>, http: Pick<SyncHttp, 'request'>): Recorder {
  const rec = newRecorder();
  const g = globalThis as unknown as Record<string, unknown>;
  g['__k6'] = stubs(rec, http);
  g['__ENV'] = env;
  g['__VU'] = 0;
  g['__ITER'] = 0;
  return rec;
}

function stubs(rec: Recorder, sync: Pick<SyncHttp, 'request'>): Record<K6Module, Record<string, unknown>> {
  const sample = (name: string, value: number, tags: Tags = {}): void => {
    const list = rec.samples.get(name) ?? [];
    list.push({ value, tags });
    rec.samples.set(name, list);
  };
  class Metric {
    constructor(readonly name: string) {}
    add(value: number | boolean, tags?: Tags): void {
      sample(this.name, Number(value), tags);
    }
  }
  const request = (method: string, url: string, body?: string | null, params: Params = {}): { status: number; body: string } => {
    const started = Date.now();
    const res = sync.request(method, url, body ?? undefined, params.headers ?? {});
    sample('http_req_duration', Date.now() - started, params.tags);
    sample('http_req_failed', Number(!(params.responseCallback?.expected ?? [200]).includes(res.status)), params.tags);
    return res;
  };
  const http = {
    request,
    post: (url: string, body?: string | null, params?: Params) => request('POST', url, body, params),
    get: (url: string, params?: Params) => request('GET', url, null, params),
    batch: (reqs: { method: string; url: string; body?: string | null; params?: Params }[]) => reqs.map((r) => request(r.method, r.url, r.body, r.params)),
    expectedStatuses: (...expected: number[]) => ({ expected }),
  };
  const check = (value: unknown, sets: Record<string, (v: unknown) => boolean>): boolean => {
    let all = true;
    for (const [name, f] of Object.entries(sets)) {
      const ok = Boolean(f(value));
      const c = rec.checks.get(name) ?? { passes: 0, fails: 0 };
      if (ok) c.passes++;
      else c.fails++;
      rec.checks.set(name, c);
      all &&= ok;
    }
    return all;
  };
  return {
    k6: { check, sleep: () => undefined, fail: (m: string) => { throw new Error(m); } },
    'k6/http': { default: http, ...http },
    'k6/metrics': { Counter: Metric, Rate: Metric, Trend: Metric, Gauge: Metric },
    'k6/timers': { setTimeout, clearTimeout, setInterval, clearInterval },
    // ws's WebSocket has the browser's shape k6/websockets copies: onmessage with a string `data` for text frames.
    'k6/websockets': { WebSocket },
  };
}

/**
 * Blocking HTTP, as k6's is: a worker thread fetches while this thread waits on a shared flag.
 * (k6 scripts call http.* synchronously; Node has no synchronous fetch.)
 */
export class SyncHttp {
  private readonly worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     parentPort.on('message', async ({ shared, method, url, body, headers }) => {
       const head = new Int32Array(shared, 0, 3);
       let status = 0, text = '';
       try { const r = await fetch(url, { method, headers, body }); status = r.status; text = await r.text(); } catch (e) { text = String(e); }
       const bytes = new TextEncoder().encode(text).subarray(0, shared.byteLength - 12);
       new Uint8Array(shared, 12, bytes.length).set(bytes);
       head[1] = status; head[2] = bytes.length;
       Atomics.store(head, 0, 1); Atomics.notify(head, 0);
     });`,
    { eval: true },
  );

  request(method: string, url: string, body: string | undefined, headers: Record<string, string>): { status: number; body: string } {
    const shared = new SharedArrayBuffer(12 + (1 << 20));
    const head = new Int32Array(shared, 0, 3);
    this.worker.postMessage({ shared, method, url, body, headers });
    if (Atomics.wait(head, 0, 0, 30_000) === 'timed-out') throw new Error(`${method} ${url}: no answer within 30 s`);
    return { status: head[1]!, body: new TextDecoder().decode(new Uint8Array(shared, 12, head[2]!)) };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
