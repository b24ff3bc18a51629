import { readFileSync } from 'node:fs';
import { summarize, type BenchGame } from './lib/games';
import { postJson } from './lib/http';
import { LeanSocket } from './lib/lean-io';

/**
 * The load generator, in its own process (so its CPU is not the nodes'). Prints one JSON line
 * of results, after `{"started":true}` as it starts (the bench measures the nodes from there).
 *   load.ts --mode rate   --target URL --games FILE --rate R --seconds S --warmup W
 *     HTTP moves at a constant arrival rate, as k6's constant-arrival-rate executor sends them;
 *     latency is measured from each move's scheduled time (a late send counts against it), and
 *     how late this process sent each move is reported beside it (`late`): its own share of the tail.
 *   load.ts --mode closed --target URL --games FILE --concurrency C --seconds S --warmup W
 *     C games played over Socket.IO, each by its two seats' connections, one move at a time
 *     (the lean client, lib/lean-io.ts: the CPU a client spends is taken from the nodes here).
 */
const arg = (name: string, dflt?: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : dflt;
  if (v === undefined) throw new Error(`load: --${name} is required`);
  return v;
};
const mode = arg('mode');
const target = arg('target');
const games = JSON.parse(readFileSync(arg('games'), 'utf8')) as BenchGame[];
const seconds = Number(arg('seconds', '10'));
const warmup = Number(arg('warmup', '2'));
// Where each game stands: the moves already played in earlier levels of this run.
const ply = new Map<string, number>(games.map((g) => [g.gameId, g.played ?? 0]));

function nextMove(g: BenchGame): { seat: BenchGame['white']; move: string; requestId: string } | undefined {
  const p = ply.get(g.gameId)!;
  if (p >= g.moves.length) return undefined;
  return { seat: p % 2 === 0 ? g.white : g.black, move: g.moves[p]!, requestId: `m${p}` };
}

async function rateMode(): Promise<void> {
  const rate = Number(arg('rate'));
  const idle: BenchGame[] = [...games];
  const lat: number[] = [];
  // How late each measured move was sent (this process's timer and event loop, not the nodes): part of its latency.
  const late: number[] = [];
  let errors = 0;
  // What the refused or failed moves were answered, by status and code: "503 ERR_TIMEOUT" → count.
  const errorCodes: Record<string, number> = {};
  let starved = 0;
  let inFlight = 0;
  let measuredFrom = 0;
  const send = async (scheduled: number, measured: boolean): Promise<void> => {
    const g = idle.shift();
    if (g === undefined) {
      if (measured) starved++;
      return;
    }
    const m = nextMove(g)!;
    if (measured) late.push(performance.now() - scheduled);
    inFlight++;
    const r = await postJson(target, `/api/games/${g.gameId}/moves`, { requestId: m.requestId, move: m.move }, { 'x-rookery-session': m.seat.session, authorization: `Bearer ${m.seat.token}` }, 60_000);
    inFlight--;
    const ok = r.kind === 'answer' && (r.status === 200 || r.status === 201);
    if (ok) ply.set(g.gameId, ply.get(g.gameId)! + 1);
    if (measured) {
      if (ok) lat.push(performance.now() - scheduled);
      else {
        errors++;
        const e = r.kind === 'answer' ? (r.body['error'] as { code?: string } | string | undefined) : undefined;
        const what = r.kind === 'answer' ? `${r.status} ${typeof e === 'object' && e !== null ? (e.code ?? '?') : String(e ?? '?')}` : `0 ${r.kind}: ${r.message}`;
        errorCodes[what] = (errorCodes[what] ?? 0) + 1;
      }
    }
    // A refused move is tried again later under the same request id: applied once either way.
    if (nextMove(g) !== undefined) idle.push(g);
  };
  // The bench reads the nodes' CPU from here to the end: the sending, not this process's start-up.
  process.stdout.write(`${JSON.stringify({ started: true })}\n`);
  const cpuFrom = process.cpuUsage();
  const start = performance.now();
  measuredFrom = start + warmup * 1000;
  const end = measuredFrom + seconds * 1000;
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      while (start + (i * 1000) / rate <= now) {
        const t = start + (i * 1000) / rate;
        if (t >= end) return resolve();
        void send(t, t >= measuredFrom);
        i++;
      }
      setTimeout(tick, 1);
    };
    tick();
  });
  const drainUntil = performance.now() + 10_000;
  while (inFlight > 0 && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 5));
  errors += inFlight;
  const planned = Math.round(rate * seconds);
  const cpu = process.cpuUsage(cpuFrom);
  out({ rate, achieved: Math.round((lat.length / seconds) * 100) / 100, done: lat.length, planned, errors, errorCodes, starved, cpuMs: (cpu.user + cpu.system) / 1000, ...summarize(lat), late: summarize(late) });
}

function connect(session: string, seats: Record<string, string>): Promise<LeanSocket> {
  return LeanSocket.connect(target, { session, seats }, 10_000);
}

async function closedMode(): Promise<void> {
  const concurrency = Number(arg('concurrency'));
  process.stdout.write(`${JSON.stringify({ started: true })}\n`);
  const lat: number[] = [];
  let errors = 0;
  let done = 0;
  let exhausted = 0;
  const start = performance.now();
  const measuredFrom = start + warmup * 1000;
  const end = measuredFrom + seconds * 1000;
  // Player slot k plays games k, k + C, k + 2C, … in turn, each by its two seats' connections,
  // one move at a time; connecting to the next game is not a move and is not timed.
  let nextGame = 0;
  const takeGame = (): BenchGame | undefined => {
    while (nextGame < games.length) {
      const g = games[nextGame++]!;
      if (nextMove(g) !== undefined) return g;
    }
    return undefined;
  };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let g = takeGame(); g !== undefined; g = takeGame()) {
        const white = await connect(g.white.session, { [g.gameId]: g.white.token });
        const black = await connect(g.black.session, { [g.gameId]: g.black.token });
        try {
          for (;;) {
            const m = nextMove(g);
            const t = performance.now();
            if (t >= end) return;
            if (m === undefined) break;
            const s = m.seat === g.white ? white : black;
            const r = (await s.emitWithAck('game:move', { requestId: m.requestId, gameId: g.gameId, move: m.move }, 10_000).catch(() => ({ ok: false }))) as { ok: boolean };
            const after = performance.now();
            if (r.ok) ply.set(g.gameId, ply.get(g.gameId)! + 1);
            if (t >= measuredFrom && after <= end) {
              if (r.ok) {
                lat.push(after - t);
                done++;
              } else errors++;
            }
          }
        } finally {
          white.close();
          black.close();
        }
      }
      exhausted++;
    }),
  );
  const cpu = process.cpuUsage();
  out({ concurrency, rate: Math.round((done / seconds) * 100) / 100, done, errors, exhausted, cpuMs: (cpu.user + cpu.system) / 1000, ...summarize(lat) });
}

function out(o: object): void {
  process.stdout.write(`${JSON.stringify({ ...o, plies: Object.fromEntries([...ply].filter(([, p]) => p > 0)) })}\n`);
}

void (mode === 'rate' ? rateMode() : mode === 'closed' ? closedMode() : Promise.reject(new Error(`load: unknown --mode ${mode}`))).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`load: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
