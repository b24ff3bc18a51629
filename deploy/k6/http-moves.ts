import { check } from 'k6';
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import { Counter } from 'k6/metrics';
import type { ConstantArrivalRateScenario, Options } from 'k6/options';
import { createGameCall, joinGameCall, moveCall, readSeat, recordMove, startedGame, type HttpCall, type PlayedGame } from './lib/moves';
import { rateMetrics, rateRow, rateTable, thresholdLines, type SummaryData } from './lib/summary';

/**
 * Write load: moves over the HTTP API at constant arrival rates, one stage per rate (2, 3, 5,
 * 10, 100 and 1,000 moves a second by default), with a table of latency per rate at the end.
 *
 *   npm run k6:build && k6 run deploy/k6/dist/http-moves.js
 *   k6 run -e K6_BASE_URL=http://127.0.0.1:8001 -e K6_RATES=100 -e K6_STAGE_SECONDS=60 deploy/k6/dist/http-moves.js
 *
 * Each VU plays its own game (moves in one game must alternate, and k6 runs a VU's iterations
 * one after another), so a move is answered before its game's next one is sent; at 1,000
 * moves a second that means hundreds of games at once. The games are made in setup(); when the
 * knight cycle ends a game by fivefold repetition (lib/moves.ts), its VU starts a new one.
 *
 * The server limits commands per client IP (IP_RATE_LIMIT, 1,000 per 20 s by default): from one
 * load generator, and behind HAProxy, raise it above the highest rate × 20 (docker-compose.yml does).
 */

const BASE = (__ENV.K6_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const RATES = (__ENV.K6_RATES || '2,3,5,10,100,1000').split(',').map((r) => {
  const n = Number(r.trim());
  if (!Number.isInteger(n) || n < 1) throw new Error(`K6_RATES takes whole moves per second, comma-separated: ${JSON.stringify(r)}`);
  return n;
});
const STAGE_SECONDS = positive('K6_STAGE_SECONDS', 30);
/** Between stages, so one rate's stragglers do not land in the next rate's numbers. */
const PAUSE_SECONDS = 5;
const P99_MS = positive('K6_P99_MS', 500);
/** The latency a VU is budgeted per move: how many VUs a rate needs at first (k6 adds up to maxVUs). */
const BUDGET_MS = 50;

const moves = new Counter('moves');
const gamesStarted = new Counter('games_started');
const expect201 = http.expectedStatuses(201);

function scenario(rate: number, i: number): ConstantArrivalRateScenario {
  return {
    executor: 'constant-arrival-rate',
    rate,
    timeUnit: '1s',
    duration: `${STAGE_SECONDS}s`,
    preAllocatedVUs: preAllocated(rate),
    maxVUs: Math.max(10, Math.ceil(rate / 2)),
    startTime: `${i * (STAGE_SECONDS + PAUSE_SECONDS)}s`,
    gracefulStop: `${PAUSE_SECONDS}s`,
    tags: { rate: String(rate) },
  };
}

function preAllocated(rate: number): number {
  return Math.max(2, Math.ceil((rate * BUDGET_MS) / 1000));
}

const thresholds: Record<string, string[]> = {
  'http_req_failed{op:move}': ['rate<0.01'],
  checks: ['rate>0.99'],
};
for (const rate of RATES) {
  const m = rateMetrics(rate);
  // Each rate gets its own thresholds: they are also what puts its sub-metrics in the summary.
  thresholds[m.latency] = [`p(99)<${P99_MS}`];
  thresholds[m.failed] = ['rate<0.01'];
  thresholds[m.moves] = [`count>=${Math.floor(rate * STAGE_SECONDS * 0.95)}`];
}

export const options: Options = {
  scenarios: Object.fromEntries(RATES.map((rate, i) => [`moves_${rate}`, scenario(rate, i)])),
  thresholds,
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(50)', 'p(90)', 'p(95)', 'p(99)'],
  setupTimeout: '300s',
};

interface SetupData {
  /** Sessions and request ids are unique per run: a rerun within the dedupe window would otherwise get the old games back. */
  runId: string;
  games: PlayedGame[];
}

function send(call: HttpCall, op: 'create' | 'join' | 'move', name: string): RefinedResponse<ResponseType> {
  return http.request(call.method, BASE + call.path, call.body, { headers: call.headers, tags: { op, name }, responseCallback: expect201 });
}

function sessions(runId: string, owner: string): { white: string; black: string } {
  return { white: `k6-${runId}-${owner}-w`, black: `k6-${runId}-${owner}-b` };
}

/** Games for the VUs that exist from the start, made in parallel batches. */
export function setup(): SetupData {
  const runId = Math.random().toString(36).slice(2, 10);
  const count = Math.max(...RATES.map(preAllocated));
  const games: PlayedGame[] = [];
  for (let from = 0; from < count; from += 50) {
    const owners = Array.from({ length: Math.min(50, count - from) }, (_, i) => `s${from + i}`);
    const created = http.batch(owners.map((o) => batchCall(createGameCall(sessions(runId, o).white), 'create', 'POST /api/games')));
    const seats = created.map((r) => readSeat(r.status, r.body as string));
    const joined = http.batch(seats.map((s, i) => batchCall(joinGameCall(s.ok ? s.gameId : 'none', sessions(runId, owners[i]!).black), 'join', 'POST /api/games/:id/join')));
    for (const [i, r] of joined.entries()) {
      const white = seats[i]!;
      const black = readSeat(r.status, r.body as string);
      if (!white.ok || !black.ok) throw new Error(`setup: game ${from + i} not started: ${white.ok ? '' : `create ${white.why}`} ${black.ok ? '' : `join ${black.why}`}`);
      const s = sessions(runId, owners[i]!);
      games.push(startedGame(white, s.white, black, s.black));
    }
  }
  return { runId, games };
}

function batchCall(call: HttpCall, op: string, name: string) {
  return { method: call.method, url: BASE + call.path, body: call.body, params: { headers: call.headers, tags: { op, name }, responseCallback: expect201 } };
}

// Per VU (each VU has its own copy of the module): the game it plays now.
let game: PlayedGame | undefined;
let gamesMade = 0;

function newGame(runId: string): PlayedGame | undefined {
  const s = sessions(runId, `v${__VU}g${gamesMade++}`);
  const white = readSeat(...answer(send(createGameCall(s.white), 'create', 'POST /api/games')));
  const black = white.ok ? readSeat(...answer(send(joinGameCall(white.gameId, s.black), 'join', 'POST /api/games/:id/join'))) : white;
  check(white.ok && black.ok, { 'a new game is started': (started) => started });
  if (!white.ok || !black.ok) return undefined;
  gamesStarted.add(1);
  return startedGame(white, s.white, black, s.black);
}

function answer(r: RefinedResponse<ResponseType>): [number, string] {
  return [r.status, typeof r.body === 'string' ? r.body : ''];
}

/** One move of this VU's game; a new game first when the last one ended. */
export default function (data: SetupData): void {
  if (game === undefined) game = data.games[__VU - 1];
  if (game === undefined || game.over) game = newGame(data.runId);
  if (game === undefined) return;
  const { outcome } = recordMove(game, ...answer(send(moveCall(game), 'move', 'POST /api/games/:id/moves')));
  check(outcome, { 'a move is applied': (o) => o === 'moved' });
  if (outcome === 'moved') moves.add(1);
  // A refusal other than the end of the game means this VU lost track of it: start afresh.
  if (outcome === 'refused') game.over = true;
}

export function handleSummary(data: SummaryData): Record<string, string> {
  const table = rateTable(RATES.map((rate) => rateRow(data, rate, STAGE_SECONDS)));
  const out: Record<string, string> = { stdout: `\nRookery write load: moves over HTTP to ${BASE}, ${STAGE_SECONDS} s per rate\n\n${table}\n${thresholdLines(data)}` };
  if (__ENV.K6_SUMMARY_JSON) out[__ENV.K6_SUMMARY_JSON] = JSON.stringify(data, null, 2);
  return out;
}

function positive(name: string, dflt: number): number {
  const v = __ENV[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!(n > 0)) throw new Error(`${name} must be a positive number, not ${JSON.stringify(v)}`);
  return n;
}
