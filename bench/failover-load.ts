import { createWriteStream } from 'node:fs';
import { getJson, postJson, seatGames, type SeatedGame } from './lib/http';
import { playouts } from '@rookery/testing';
import { wallNow } from './lib/percentiles';
import { onCommand, report } from './lib/processes';

/**
 * The failover load generator: moves at a constant arrival rate over HTTP, spread round-robin
 * over the nodes that answer, each move retried under the SAME request id until it is
 * acknowledged (exactly once: DESIGN decision 5). Started by failover.ts with its configuration
 * as argv[2]; speaks JSON lines: commands on stdin (`start`, `kill`, `stop`), messages on stdout.
 *
 * A game takes one move at a time (the next move is only legal once the last one is in), so
 * the arrivals go to whichever games are free, oldest-freed first; an arrival that finds none
 * is counted as skipped (k6's dropped iterations) rather than delayed.
 */

export interface FailoverLoadConfig {
  urls: string[];
  games: number;
  rate: number;
  /**
   * Give up on one attempt after this and retry it (same request id) on the next node. Just past
   * the node's own proposal timeout (5 s): a node answers ERR_TIMEOUT first, and this fires only
   * for one gone silent. Far below it, a slow cluster would be sent each move twice over (a retry
   * is proposed again, and answered from the first result only once applied).
   */
  attemptTimeoutMs: number;
  /** Makes sessions, and so game ids, unique to the run. */
  tag: string;
  /** A file to write every attempt to, one JSON line each (invoked, ended, node, outcome, game, request id), to see where slow moves went. */
  trace?: string;
}

export type FailoverLoadMessage =
  | { type: 'progress'; msg: string }
  | { type: 'ready' }
  /** Writes are back after round `round`'s kill: the first acknowledgement of an attempt invoked after it, `ms` after the kill. */
  | { type: 'recovered'; round: number; ms: number }
  | {
      type: 'result';
      /** The acknowledged moves of each game, in order (a game takes one move at a time, so ack order is ply order). */
      acked: Record<string, string[]>;
      issued: number;
      skipped: number;
      /** Moves refused for good, by code (none expected), and moves neither acknowledged nor refused when stopping. */
      refused: Record<string, number>;
      unresolved: number;
      /** ms from a move's first attempt to its acknowledgement. */
      latencies: number[];
      /** How the attempts ended: ok, unreachable, timeout (no answer in time), or the error code. */
      outcomes: Record<string, number>;
    };

interface Game extends SeatedGame {
  moves: string[];
  acked: string[];
}

const RETRYABLE = new Set(['ERR_UNAVAILABLE', 'ERR_TIMEOUT', 'ERR_DRAINING']);
const DOWN_FOR_MS = 300;
const GIVE_UP_MS = 60_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(c: FailoverLoadConfig): Promise<void> {
  // Listening at once: a parent that goes away while the games are created must still end this process.
  let handle: (cmd: { type: string } & Record<string, unknown>) => void = () => undefined;
  onCommand((cmd) => handle(cmd));
  await report({ type: 'progress', msg: `creating ${c.games} games` });
  const created = await seatGames(c.urls, c.games, c.tag);
  // Distinct playouts are slow to make (chess.js); games are independent, so they share a few.
  const lines = playouts(64, 200, 1);
  const games: Game[] = created.map((g, i) => ({ ...g, moves: lines[i % lines.length]!, acked: [] }));
  const free: Game[] = [...games];

  // Routing as HAProxy's socket backend does it: not to a node that is down (a refused connection
  // says so at once) nor to one still catching up after a restart (its /health/ready, checked
  // every 200 ms, says so). A node that knows no leader is kept: it answers at once (503), and
  // leaving it out would make this check's period part of the unavailability measured.
  const downUntil = new Map<string, number>();
  const catchingUp = new Set<string>();
  const checks = setInterval(() => {
    for (const url of c.urls) {
      void getJson(url, '/health/ready').then(
        (r) => (String(r.body['reason'] ?? '').startsWith('catching up') ? catchingUp.add(url) : catchingUp.delete(url)),
        () => undefined, // down: the refused moves say so
      );
    }
  }, 200);
  checks.unref();
  let rr = 0;
  const pickNode = async (): Promise<string> => {
    for (let pass = 0; ; pass++) {
      for (let k = 0; k < c.urls.length; k++) {
        const url = c.urls[rr++ % c.urls.length]!;
        if ((downUntil.get(url) ?? 0) <= Date.now() && (pass > 0 || !catchingUp.has(url))) return url;
      }
      if (pass > 0) await sleep(10);
    }
  };

  // Acknowledged attempts of the last few seconds: a kill is announced after it happened, and the
  // attempts invoked between the kill and its announcement count too.
  const recent: { invoked: number; acked: number }[] = [];
  const waiting = new Map<number, number>(); // round → kill time, until its writes are back
  let lastKill = 0;
  const onAck = (invoked: number, acked: number): void => {
    recent.push({ invoked, acked });
    while (recent.length > 0 && recent[0]!.acked < acked - 10_000) recent.shift();
    for (const [round, at] of waiting) {
      if (invoked <= at) continue;
      waiting.delete(round);
      void report({ type: 'recovered', round, ms: acked - at });
    }
  };

  let issued = 0;
  let skipped = 0;
  let unresolved = 0;
  let inFlight = 0;
  const refused: Record<string, number> = {};
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  const count = (what: string): void => void (outcomes[what] = (outcomes[what] ?? 0) + 1);
  const trace = c.trace !== undefined ? createWriteStream(c.trace) : undefined;

  /** Plays a game's next move until it is acknowledged or refused for good. */
  const play = async (g: Game): Promise<void> => {
    const ply = g.acked.length;
    const seat = ply % 2 === 0 ? g.white : g.black;
    const body = { requestId: `m${ply + 1}`, move: g.moves[ply]! };
    const headers = { 'x-rookery-session': seat.session, authorization: `Bearer ${seat.token}` };
    const first = wallNow();
    let retries = 0;
    for (;;) {
      const url = await pickNode();
      const invoked = wallNow();
      const r = await postJson(url, `/api/games/${g.gameId}/moves`, body, headers, c.attemptTimeoutMs);
      const now = wallNow();
      const code = r.kind === 'answer' ? (r.body['ok'] === true ? 'ok' : String((r.body['error'] as { code?: unknown } | undefined)?.code)) : r.kind;
      count(code);
      trace?.write(`${JSON.stringify({ invoked: Math.round(invoked), ms: Math.round(now - invoked), url, node: r.kind === 'answer' ? r.node : undefined, code, game: g.gameId, req: body.requestId })}\n`);
      if (code === 'ok') {
        onAck(invoked, now);
        latencies.push(now - first);
        g.acked.push(body.move);
        if (g.acked.length < g.moves.length) free.push(g);
        return;
      }
      if (now - first > GIVE_UP_MS) {
        unresolved++;
        return;
      }
      if (r.kind === 'unreachable') {
        // Refused or reset: the node is down (or a kept-alive connection was closed): the next node, at once.
        downUntil.set(url, Date.now() + DOWN_FOR_MS);
        continue;
      }
      if (r.kind === 'answer' && !RETRYABLE.has(code)) {
        refused[code] = (refused[code] ?? 0) + 1;
        // None is expected: say which, where and when (relative to the last kill), to find out why.
        const message = String((r.body['error'] as { message?: unknown } | undefined)?.message);
        void report({ type: 'progress', msg: `${g.gameId} ${body.requestId} (${body.move}, retry ${retries}) refused by ${r.node ?? url} ${Math.round(now - lastKill)} ms after the last kill: ${code} ${message}` });
        return;
      }
      // No leader yet, or no answer in time: again after a growing, jittered pause, so that a
      // slow cluster is not sent every move twice over (each retry is proposed again).
      await sleep(Math.random() * Math.min(1000, 25 * 2 ** retries++));
    }
  };

  let started = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = (): void => {
    // Constant arrival rate: as many moves as the clock says are due, whatever the answers do.
    const due = Math.floor(((wallNow() - started) * c.rate) / 1000) - issued - skipped;
    for (let k = 0; k < due; k++) {
      const g = free.shift();
      if (g === undefined) {
        skipped++;
        continue;
      }
      issued++;
      inFlight++;
      void play(g).finally(() => inFlight--);
    }
  };

  handle = (cmd) => {
    if (cmd.type === 'start') {
      started = wallNow();
      timer = setInterval(tick, 2);
    } else if (cmd.type === 'kill') {
      const at = Number(cmd['at']);
      lastKill = at;
      trace?.write(`${JSON.stringify({ kill: Math.round(at), round: cmd['round'] })}\n`);
      const round = Number(cmd['round']);
      const first = recent.find((a) => a.invoked > at);
      if (first !== undefined) void report({ type: 'recovered', round, ms: first.acked - at });
      else waiting.set(round, at);
    } else if (cmd.type === 'stop') {
      clearInterval(timer);
      void (async () => {
        // Every move issued is played out (acknowledged, refused or given up) before the tally.
        while (inFlight > 0) await sleep(50);
        await new Promise<void>((resolve) => (trace ? trace.end(resolve) : resolve()));
        const acked = Object.fromEntries(games.map((g) => [g.gameId, g.acked]));
        await report({ type: 'result', acked, issued, skipped, refused, unresolved, latencies, outcomes });
        process.exit(0);
      })();
    }
  };
  await report({ type: 'ready' });
}

if (require.main === module) {
  main(JSON.parse(process.argv[2]!) as FailoverLoadConfig).catch((e: unknown) => {
    process.stderr.write(`failover-load: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
