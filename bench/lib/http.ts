import { Agent, request } from 'node:http';

/**
 * The HTTP side of a load generator: JSON writes over kept-alive connections (node:http rather
 * than fetch, for a per-attempt timeout that really closes the request, and errors that say
 * whether the node was reachable), and the games a benchmark plays, created in advance.
 */

export type HttpOutcome =
  /** `node`: the x-rookery-node header, the node that answered. */
  | { kind: 'answer'; status: number; body: Record<string, unknown>; node?: string }
  /** No answer: the node refused or dropped the connection (it is down), or stayed silent past the timeout. */
  | { kind: 'unreachable' | 'timeout'; message: string };

const agent = new Agent({ keepAlive: true, maxSockets: 512 });

export function postJson(base: string, path: string, body: object, headers: Record<string, string>, timeoutMs: number): Promise<HttpOutcome> {
  return new Promise((resolve) => {
    const data = JSON.stringify(body);
    const req = request(`${base}${path}`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      const node = res.headers['x-rookery-node'] as string | undefined;
      res.on('end', () => {
        let parsed: Record<string, unknown>;
        try {
          parsed = JSON.parse(text) as Record<string, unknown>;
        } catch {
          parsed = { ok: false, error: { code: 'ERR_NOT_JSON', message: text.slice(0, 200) } };
        }
        resolve({ kind: 'answer', status: res.statusCode ?? 0, body: parsed, ...(node !== undefined ? { node } : {}) });
      });
      res.on('error', (e) => resolve({ kind: 'unreachable', message: e.message }));
    });
    let timedOut = false;
    req.setTimeout(timeoutMs, () => {
      timedOut = true;
      req.destroy();
    });
    req.on('error', (e) => resolve(timedOut ? { kind: 'timeout', message: `no answer within ${timeoutMs} ms` } : { kind: 'unreachable', message: e.message }));
    req.end(data);
  });
}

export async function getJson(base: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface Seat {
  session: string;
  token: string;
}
export interface BenchGame {
  gameId: string;
  white: Seat;
  black: Seat;
}

/** A write that must succeed (setting up, not measuring): retried on a 503 or no answer, for up to 30 s. */
async function mustPost(base: string, path: string, body: object, session: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = await postJson(base, path, body, { 'x-rookery-session': session }, 10_000);
    if (r.kind === 'answer' && r.body['ok'] === true) return r.body;
    if ((r.kind === 'answer' && r.status !== 503) || Date.now() > deadline) throw new Error(`POST ${path} as ${session}: ${JSON.stringify(r)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** One untimed game, White created and Black joined, through `base` (any node: followers forward). */
export async function createGame(base: string, tag: string): Promise<BenchGame> {
  const white = `bench-${tag}-w`;
  const black = `bench-${tag}-b`;
  const c = await mustPost(base, '/api/games', { requestId: 'create', timeControl: null, color: 'white', name: 'BenchWhite' }, white);
  const gameId = String(c['gameId']);
  const j = await mustPost(base, `/api/games/${gameId}/join`, { requestId: 'join', name: 'BenchBlack' }, black);
  return { gameId, white: { session: white, token: String(c['token']) }, black: { session: black, token: String(j['token']) } };
}

/** `count` games, `concurrency` set up at a time, spread over `bases`. Tags come from `prefix` (vary it per run). */
export async function createGames(bases: readonly string[], count: number, prefix: string, concurrency = 32): Promise<BenchGame[]> {
  const games: BenchGame[] = new Array<BenchGame>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      games[i] = await createGame(bases[i % bases.length]!, `${prefix}-${i}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return games;
}
