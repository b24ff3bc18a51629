import { LeanHttp } from './lean-http';

/**
 * The HTTP side of a load generator: JSON writes over kept-alive connections (lean-http.ts: a
 * per-attempt timeout that really closes the connection, errors that say whether the node was
 * reachable, and a fraction of node:http's CPU per request), and the games a benchmark plays,
 * created in advance.
 */

export type HttpOutcome =
  /** `node`: the x-rookery-node header, the node that answered. */
  | { kind: 'answer'; status: number; body: Record<string, unknown>; node?: string }
  /** No answer: the node refused or dropped the connection (it is down), or stayed silent past the timeout. */
  | { kind: 'unreachable' | 'timeout'; message: string };

/** One pool of connections per server, 512 connections at most each. */
const pools = new Map<string, LeanHttp>();

export async function postJson(base: string, path: string, body: object, headers: Record<string, string>, timeoutMs: number): Promise<HttpOutcome> {
  let pool = pools.get(base);
  if (pool === undefined) pools.set(base, (pool = LeanHttp.for(base, 512)));
  const r = await pool.post(path, JSON.stringify(body), { 'content-type': 'application/json', ...headers }, timeoutMs);
  if (r.kind !== 'answer') return r;
  const text = r.body.toString('utf8');
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { ok: false, error: { code: 'ERR_NOT_JSON', message: text.slice(0, 200) } };
  }
  const node = r.headers.get('x-rookery-node');
  return { kind: 'answer', status: r.status, body: parsed, ...(node !== undefined ? { node } : {}) };
}

export async function getJson(base: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface Seat {
  session: string;
  token: string;
}
/** A game set up for a benchmark: White created it, Black joined. */
export interface SeatedGame {
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
export async function seatGame(base: string, tag: string): Promise<SeatedGame> {
  const white = `bench-${tag}-w`;
  const black = `bench-${tag}-b`;
  const c = await mustPost(base, '/api/games', { requestId: 'create', timeControl: null, color: 'white', name: 'BenchWhite' }, white);
  const gameId = String(c['gameId']);
  const j = await mustPost(base, `/api/games/${gameId}/join`, { requestId: 'join', name: 'BenchBlack' }, black);
  return { gameId, white: { session: white, token: String(c['token']) }, black: { session: black, token: String(j['token']) } };
}

/** `count` games, `concurrency` set up at a time, spread over `bases`. Tags come from `prefix` (vary it per run). */
export async function seatGames(bases: readonly string[], count: number, prefix: string, concurrency = 32): Promise<SeatedGame[]> {
  const games: SeatedGame[] = new Array<SeatedGame>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      games[i] = await seatGame(bases[i % bases.length]!, `${prefix}-${i}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return games;
}
