import type { Ack, Catchup, CommandAck, GameEvent, SeatAck } from '@rookery/protocol';
import { KNIGHT_CYCLE, PLIES_PER_GAME } from './moves';
import type { SioClient } from './sio-client';

/**
 * One game over Socket.IO as the play-and-watch load script plays it, on clients that are
 * already connected: white creates, black joins, the watchers watch, and the players make the
 * knight cycle until the fivefold repetition ends the game. Each player moves only once its own
 * socket has seen the opponent's move — as a real client does, and because a node checks a move
 * against its own replica before proposing it. Time and waiting are injected (k6 and Node have
 * different timers).
 */
export interface PlayEnv {
  now(): number;
  sleep(ms: number): Promise<void>;
  /**
   * `p`'s value, or undefined once `ms` have passed — with the timer cleared when `p` settles
   * first: a pending timer keeps k6's iteration (and Node's process) alive until it fires.
   */
  within<T>(p: Promise<T>, ms: number): Promise<T | undefined>;
  /** How long a player thinks before each move. */
  thinkMs: number;
  /** How long to wait for an ack or an event before calling the game failed. */
  waitMs: number;
  /** Unique per game: the two players' request ids need nothing else. */
  tag: string;
}

export interface PlayReport {
  gameId: string;
  plies: number;
  /** From emitting `game:move` to its ack, per move. */
  moveAckMs: number[];
  /** From emitting `game:move` to a watcher receiving its `moved` event, per move and watcher. */
  watchLagMs: number[];
  /** How the game ended, as the watchers saw it (`draw:fivefold` expected). */
  ending: string;
  /** Every watcher saw every event once, in version order, with no gap. */
  watchersInOrder: boolean;
  /** What went wrong, in the domain's words; empty for a good game. */
  problems: string[];
}

/** The `game:event`s one socket received, and a way to wait for one. */
export class EventLog {
  readonly events: GameEvent[] = [];
  readonly at: number[] = [];
  private waiters: (() => void)[] = [];

  constructor(
    client: SioClient,
    private readonly env: Pick<PlayEnv, 'now' | 'within'>,
  ) {
    client.on('game:event', (...events) => this.add(events as GameEvent[]));
  }

  /** Events received as `game:event`, or in a watch's catch-up. */
  add(events: readonly GameEvent[]): void {
    for (const e of events) {
      this.events.push(e);
      this.at.push(this.env.now());
    }
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }

  /** The index of the first event that matches, waiting up to `ms` for it; -1 if none came. */
  async until(match: (e: GameEvent) => boolean, ms: number): Promise<number> {
    const deadline = this.env.now() + ms;
    let from = 0;
    for (;;) {
      for (let i = from; i < this.events.length; i++) if (match(this.events[i]!)) return i;
      from = this.events.length;
      const left = deadline - this.env.now();
      if (left <= 0) return -1;
      await this.env.within(new Promise<void>((r) => this.waiters.push(r)), left);
    }
  }
}

export async function playGame(white: SioClient, black: SioClient, watchers: readonly SioClient[], env: PlayEnv): Promise<PlayReport> {
  const report: PlayReport = { gameId: '', plies: 0, moveAckMs: [], watchLagMs: [], ending: '', watchersInOrder: false, problems: [] };
  const logs = { white: new EventLog(white, env), black: new EventLog(black, env) };
  const watchLogs = watchers.map((w) => new EventLog(w, env));
  const ack = async <T>(who: SioClient, event: string, payload: unknown): Promise<(T & { ok: true }) | undefined> => {
    let answer: Ack<T> | undefined;
    try {
      answer = await env.within(who.request<Ack<T>>(event, payload), env.waitMs);
    } catch (e) {
      report.problems.push(`${event}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
    if (answer === undefined) report.problems.push(`${event}: no ack within ${env.waitMs} ms`);
    else if (!answer.ok) report.problems.push(`${event}: ${answer.error.code} ${answer.error.message}`);
    else return answer;
    return undefined;
  };

  const created = await ack<SeatAck>(white, 'game:create', { requestId: `${env.tag}-c`, timeControl: null, color: 'white' });
  if (created === undefined) return report;
  const gameId = (report.gameId = created.gameId);
  const joined = await ack<SeatAck>(black, 'game:join', { requestId: `${env.tag}-j`, gameId });
  if (joined === undefined) return report;
  const watched = await Promise.all(watchers.map((w) => ack<{ catchup: Catchup }>(w, 'game:watch', { gameId, version: joined.version })));
  for (const [i, w] of watched.entries()) {
    if (w === undefined) return report;
    if (w.catchup.kind === 'events') watchLogs[i]!.add(w.catchup.events);
  }

  for (let ply = 0; ply < PLIES_PER_GAME; ply++) {
    const [mover, moverLog] = ply % 2 === 0 ? [white, logs.white] : [black, logs.black];
    // The mover's node must have applied the opponent's move (ply) before it will take the next.
    if (ply > 0 && (await moverLog.until((e) => e.type === 'moved' && e.ply === ply, env.waitMs)) < 0) {
      report.problems.push(`the ${ply % 2 === 0 ? 'white' : 'black'} player never saw ply ${ply}`);
      return report;
    }
    if (env.thinkMs > 0) await env.sleep(env.thinkMs);
    const sent = env.now();
    const moved = await ack<CommandAck>(mover, 'game:move', { requestId: `${env.tag}-m${ply + 1}`, gameId, move: KNIGHT_CYCLE[ply % KNIGHT_CYCLE.length] });
    if (moved === undefined) return report;
    report.moveAckMs.push(env.now() - sent);
    report.plies = ply + 1;
    for (const log of watchLogs) {
      const i = await log.until((e) => e.type === 'moved' && e.ply === ply + 1, env.waitMs);
      if (i < 0) report.problems.push(`a watcher never saw ply ${ply + 1}`);
      else report.watchLagMs.push(log.at[i]! - sent);
    }
  }

  for (const log of watchLogs) {
    const end = await log.until((e) => e.type === 'draw' || e.type === 'checkmate' || e.type === 'stalemate' || e.type === 'resigned' || e.type === 'flagged' || e.type === 'aborted', env.waitMs);
    const e = log.events[end];
    report.ending = e === undefined ? 'none' : e.type === 'draw' ? `draw:${e.reason}` : e.type;
  }
  report.watchersInOrder = watchLogs.every((log) => inOrder(log.events.filter((e) => e.gameId === gameId), joined.version));
  if (!report.watchersInOrder) report.problems.push('a watcher saw a gap, a duplicate or an event out of order');
  if (report.ending !== 'draw:fivefold') report.problems.push(`the game ended as ${report.ending}, not by fivefold repetition`);
  return report;
}

/** Versions after `from`, each once, ascending, no gap. */
export function inOrder(events: readonly GameEvent[], from: number): boolean {
  return events.every((e, i) => e.version === from + i + 1);
}

/** `PlayEnv.within` from a platform's timer functions (k6/timers or Node's). */
export function withinTimers<H>(set: (f: () => void, ms: number) => H, clear: (h: H) => void): PlayEnv['within'] {
  return <T>(p: Promise<T>, ms: number) =>
    new Promise<T | undefined>((resolve, reject) => {
      const h = set(() => resolve(undefined), ms);
      p.then(
        (v) => {
          clear(h);
          resolve(v);
        },
        (e: unknown) => {
          clear(h);
          reject(e);
        },
      );
    });
}
