import { check } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { clearTimeout, setTimeout } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import { playGame, withinTimers, type PlayEnv } from './lib/play';
import { SioClient } from './lib/sio-client';
import { SOCKET_IO_PATH } from './lib/socketio';

/**
 * Play and watch over Socket.IO: each iteration is one game — two players and K6_WATCHERS
 * spectators on their own websockets, speaking Engine.IO v4 / Socket.IO v5 by hand
 * (lib/socketio.ts; k6 has no Socket.IO client). White creates, black joins, the spectators
 * watch, the players make the knight cycle until the fivefold repetition ends the game.
 *
 *   npm run k6:build && k6 run deploy/k6/dist/socketio-play.js
 *   k6 run -e K6_WS_URL=ws://127.0.0.1:8001 -e K6_VUS=50 -e K6_DURATION=5m deploy/k6/dist/socketio-play.js
 *
 * Thresholds: games that end as they should, move acks (committed and applied on the player's
 * node) and the time until a spectator sees the move. A node allows MAX_CONNECTIONS_PER_IP
 * sockets per client IP (50 by default): raise it for more than a few VUs from one address.
 */

const WS_BASE = (__ENV.K6_WS_URL || 'ws://127.0.0.1:8080').replace(/\/+$/, '');
const VUS = whole('K6_VUS', 10);
const WATCHERS = whole('K6_WATCHERS', 2);
const THINK_MS = whole('K6_THINK_MS', 200);
const WAIT_MS = whole('K6_WAIT_MS', 5000);

const moveAck = new Trend('sio_move_ack', true);
const watchLag = new Trend('sio_watch_lag', true);
const connectTime = new Trend('sio_connect', true);
const gamesOk = new Rate('sio_games_ok');
const socketMoves = new Counter('sio_moves');

export const options: Options = {
  scenarios: {
    play: { executor: 'constant-vus', vus: VUS, duration: __ENV.K6_DURATION || '1m', gracefulStop: '30s' },
  },
  thresholds: {
    sio_games_ok: ['rate>0.99'],
    sio_move_ack: ['p(95)<250', 'p(99)<500'],
    sio_watch_lag: ['p(95)<400', 'p(99)<1000'],
    sio_connect: ['p(99)<1000'],
    checks: ['rate>0.99'],
  },
  summaryTrendStats: ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

const env: Omit<PlayEnv, 'tag'> = {
  now: () => Date.now(),
  sleep: (ms) => new Promise<void>((r) => setTimeout(r, ms)),
  within: withinTimers(setTimeout, clearTimeout),
  thinkMs: THINK_MS,
  waitMs: WAIT_MS,
};

/** A websocket wired to a Socket.IO client: every text frame in, `closed` when it closes. */
function connect(session: string): SioClient {
  const ws = new WebSocket(WS_BASE + SOCKET_IO_PATH);
  const client = new SioClient({ send: (t) => ws.send(t), close: () => ws.close() }, { session });
  ws.onmessage = (e) => {
    if (e !== undefined && typeof e.data === 'string') client.receive(e.data);
  };
  ws.onclose = () => client.closed();
  ws.onerror = (e) => client.closed(`websocket error: ${e?.error ?? 'unknown'}`);
  return client;
}

const run = Math.random().toString(36).slice(2, 10);

export default async function (): Promise<void> {
  // Sessions and request ids unique per game: a rerun must not be answered as a retry.
  const tag = `k6-${run}-${__VU}-${__ITER}`;
  const started = Date.now();
  const [white, black, ...watchers] = [connect(`${tag}-w`), connect(`${tag}-b`), ...Array.from({ length: WATCHERS }, (_, i) => connect(`${tag}-s${i}`))] as [SioClient, SioClient, ...SioClient[]];
  const all = [white, black, ...watchers];
  try {
    const up = await env.within(Promise.all(all.map((c) => c.connected)), WAIT_MS);
    if (!check(up, { 'every socket connects': (u) => u !== undefined })) return void gamesOk.add(false);
    connectTime.add(Date.now() - started);
    const report = await playGame(white, black, watchers, { ...env, tag });
    for (const ms of report.moveAckMs) moveAck.add(ms);
    for (const ms of report.watchLagMs) watchLag.add(ms);
    socketMoves.add(report.plies);
    gamesOk.add(report.problems.length === 0);
    check(report, {
      'every move is acknowledged': (r) => r.moveAckMs.length === r.plies && r.plies > 0,
      'the game ends by fivefold repetition': (r) => r.ending === 'draw:fivefold',
      'spectators see every event once, in order': (r) => r.watchersInOrder,
      'no frame is unreadable': () => all.every((c) => c.unreadable.length === 0),
    });
    if (report.problems.length > 0) console.warn(`game ${report.gameId || '(none)'}: ${report.problems.slice(0, 3).join('; ')}`);
  } catch (e) {
    gamesOk.add(false);
    console.warn(`game ${tag}: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    for (const c of all) c.close();
  }
}

function whole(name: string, dflt: number): number {
  const v = __ENV[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, not ${JSON.stringify(v)}`);
  return n;
}
