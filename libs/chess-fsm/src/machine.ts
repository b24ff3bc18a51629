import { Dedupe } from './dedupe';
import { fail, notSeated, unknownGame } from './errors';
import { Game, type Outcome } from './game';
import { createRefusal, precheck } from './precheck';
import { pgn, type PgnOptions } from './pgn';
import { gameSummary, gameView } from './views';
import { SnapshotJob, decodeSnapshot, encodeSnapshot } from './snapshot';
import { parseCommand } from './validate';
import {
  ChessErrorCode,
  DEFAULT_OPTIONS,
  type ApplyOutput,
  type Catchup,
  type Command,
  type Clocks,
  type CommandResult,
  type GameEvent,
  type GameSummary,
  type GameView,
  type MachineOptions,
  type MoveFound,
} from './types';

/**
 * The replicated state of every game: a deterministic state machine over chess.js. Feed it the
 * committed commands in log order, each with its entry's time, and every replica ends in the same
 * state; it returns results and events and never performs IO, reads a clock or draws a random
 * number. A bad command is answered with a stable error code and changes nothing; a retried
 * request id gets its first result back.
 */
export class ChessMachine {
  private games = new Map<string, Game>();
  private dedupe: Dedupe;
  private clock = 0;
  /** A snapshot being taken in steps (beginSnapshot): games are kept for it before they change. */
  private job: SnapshotJob | undefined;

  readonly options: Readonly<MachineOptions>;

  constructor(options: Partial<MachineOptions> = {}) {
    // Copied and frozen: every replica must keep the options it started with.
    this.options = Object.freeze({ ...DEFAULT_OPTIONS, ...options });
    this.dedupe = new Dedupe(this.options.dedupeLimit, this.options.dedupeTtlMs);
  }

  /** The latest entry time applied. Entry time never goes backwards here, even if a leader's clock does. */
  get now(): number {
    return this.clock;
  }

  get size(): number {
    return this.games.size;
  }

  /** Applies one command (untrusted: it is validated here) stamped with its entry's time. */
  apply(input: unknown, entryTime: number): ApplyOutput {
    if (Number.isFinite(entryTime) && entryTime > this.clock) this.clock = entryTime;
    const at = this.clock;
    const parsed = parseCommand(input);
    if (!parsed.ok) return { result: parsed, events: [] };
    const command = parsed.command;
    const what = identity(command);
    const first = this.dedupe.find(command.session, command.requestId, at);
    if (first !== undefined) {
      if (first.what !== what) return { result: reused(command, first.what), events: [] };
      // A kept refusal is answered as it was (it is frozen, and changed nothing).
      return { result: first.result.ok ? { ...first.result, duplicate: true } : first.result, events: [] };
    }
    const events: GameEvent[] = [];
    if (this.job !== undefined && 'gameId' in command) {
      const game = this.games.get(command.gameId);
      if (game !== undefined) this.job.preserve(game);
    }
    const result = this.dispatch(command, at, events);
    // Frozen: the answer kept for retries is the one handed out.
    Object.freeze(result);
    if (result.ok || command.once === true) this.dedupe.remember(command.session, command.requestId, at, result, what);
    return { result, events };
  }

  /**
   * Whether `input` would be refused if applied now — without changing anything. The server
   * asks before proposing, so bad commands never reach the log; apply still decides.
   */
  precheck(input: unknown): CommandResult | undefined {
    const parsed = parseCommand(input);
    if (!parsed.ok) return parsed;
    const c = parsed.command;
    const first = this.dedupe.find(c.session, c.requestId, this.clock);
    if (first !== undefined) return first.what !== identity(c) ? reused(c, first.what) : first.result.ok ? undefined : first.result;
    return precheck('gameId' in c ? this.games.get(c.gameId) : undefined, c, this.games.size, this.options.maxGames, this.clock);
  }

  /**
   * What a move that precheck has just found legal does (GameBoard.found): the proposer writes it
   * into the log with the move, so the other replicas need not find it again. Undefined for any
   * other command, or a move precheck did not just find legal.
   */
  found(c: Command): MoveFound | undefined {
    return c.type === 'move' ? this.games.get(c.gameId)?.found(c.move) : undefined;
  }

  private dispatch(c: Command, at: number, out: GameEvent[]): CommandResult {
    switch (c.type) {
      case 'create': {
        const start = createRefusal(this.games.has(c.gameId), c, this.games.size, this.options.maxGames);
        if (!start.ok) return start;
        // Copied: the machine keeps nothing that belongs to the caller.
        const tc = c.timeControl === null ? null : { initialMs: c.timeControl.initialMs, incrementMs: c.timeControl.incrementMs };
        const game = new Game(c.gameId, at, start.fen, tc, this.options.historyLimit);
        game.created(at, out);
        this.games.set(c.gameId, game);
        return this.answer(game, game.seat(c.color, { session: c.session, token: c.token, name: c.name ?? 'Anonymous' }, at, out));
      }
      case 'join': {
        const game = this.games.get(c.gameId);
        if (game === undefined) return unknownGame(c.gameId);
        return this.answer(game, game.seat(c.color, { session: c.session, token: c.token, name: c.name ?? 'Anonymous' }, at, out));
      }
      case 'flag': {
        const game = this.games.get(c.gameId);
        if (game === undefined) return unknownGame(c.gameId);
        return this.answer(game, game.flag(at, out));
      }
      case 'sweep':
        return this.sweep(at, out);
      default: {
        const game = this.games.get(c.gameId);
        if (game === undefined) return unknownGame(c.gameId);
        const color = game.seatOf(c.token);
        if (color === undefined) return notSeated(c.gameId);
        switch (c.type) {
          case 'move':
            return this.answer(game, game.move(color, c.move, at, out, c.ply, c.found));
          case 'resign':
            return this.answer(game, game.resign(color, at, out));
          case 'offerDraw':
            return this.answer(game, game.offerDraw(color, at, out));
          case 'acceptDraw':
            return this.answer(game, game.acceptDraw(color, at, out));
          case 'declineDraw':
            return this.answer(game, game.declineDraw(color, at, out));
          case 'claimDraw':
            return this.answer(game, game.claimDraw(color, c.reason, at, out));
          case 'abort':
            return this.answer(game, game.abort(color, at, out));
        }
      }
    }
  }

  private answer(game: Game, o: Outcome): CommandResult {
    if (!o.ok) return o;
    // Literals, not a spread of a maybe-empty object: this is made for every command applied.
    return o.flagged ? { ok: true, gameId: game.id, version: game.version, color: o.color, flagged: true } : { ok: true, gameId: game.id, version: game.version, color: o.color };
  }

  private sweep(at: number, out: GameEvent[]): CommandResult {
    const ended: string[] = [];
    let forgotten = 0;
    for (const [id, game] of this.games) {
      if (game.status === 'ended') {
        if (at - game.endedAt! >= this.options.retainEndedMs) {
          this.games.delete(id);
          forgotten++;
        }
      } else {
        if (this.job !== undefined && game.sweepDue(at, this.options)) this.job.preserve(game);
        if (game.sweep(at, this.options, out)) ended.push(id);
      }
    }
    this.dedupe.expire(at);
    return { ok: true, ended, forgotten };
  }

  // ---- What the server asks ---------------------------------------------------------------------

  view(gameId: string): GameView | undefined {
    const game = this.games.get(gameId);
    return game === undefined ? undefined : gameView(game, this.clock);
  }

  /** The events after `version`, or a whole view when some of them are no longer kept. */
  eventsSince(gameId: string, version: number): Catchup {
    const game = this.games.get(gameId);
    if (game === undefined) return { kind: 'unknown' };
    if (version > game.version) return { kind: 'ahead', version: game.version };
    const oldest = game.history[0]?.version ?? game.version + 1;
    if (!Number.isInteger(version) || version + 1 < oldest) return { kind: 'resync', view: gameView(game, this.clock) };
    return { kind: 'events', events: game.history.slice(version + 1 - oldest) };
  }

  /** The games being played or waiting for a player, oldest first. */
  liveGames(newest = Infinity): GameSummary[] {
    const live: Game[] = [];
    for (const game of this.games.values()) if (game.status !== 'ended') live.push(game);
    // Summaries only for the ones asked for: the lobby shows the newest few of many.
    return live.slice(Math.max(0, live.length - newest)).map(gameSummary);
  }

  /** The ids of the games being played or waiting for a player. */
  *liveGameIds(): Generator<string> {
    for (const [id, game] of this.games) if (game.status !== 'ended') yield id;
  }

  /** A game's clocks now, without building its whole view (for periodic clock syncs). */
  clocks(gameId: string): { version: number; clocks: Clocks } | undefined {
    const game = this.games.get(gameId);
    if (game?.clock == null) return undefined;
    return { version: game.version, clocks: game.clock.view(game.turn, game.endedAt ?? this.clock) };
  }

  pgn(gameId: string, options: PgnOptions = {}): string | undefined {
    const game = this.games.get(gameId);
    return game === undefined ? undefined : pgn(game, options);
  }

  /** The plies played in `gameId`, without building its view; undefined for a game this replica does not know. */
  plies(gameId: string): number | undefined {
    return this.games.get(gameId)?.plies;
  }

  /** When the side to move in `gameId` runs out of time, if its clock runs: the leader proposes a flag then. */
  flagDeadline(gameId: string): number | undefined {
    const game = this.games.get(gameId);
    const clock = game?.clock;
    if (game === undefined || game.status !== 'started' || clock == null || clock.startedAt === null) return undefined;
    return clock.startedAt + clock[game.turn];
  }

  // ---- Snapshot ---------------------------------------------------------------------------------

  /** The whole state (options, entry time, games with clocks, repetitions and event history, dedupe table) as bytes. */
  snapshot(): Uint8Array {
    return encodeSnapshot({ options: this.options, clock: this.clock, games: [...this.games.values()], dedupe: this.dedupe.toJSON() });
  }

  /**
   * A snapshot as of now, taken in steps: call `step(n)` (n games or dedupe slices at a time)
   * until it answers true, applying commands in between as usual, then `result()` — the bytes
   * `snapshot()` would have answered now. A game a command is about to change is encoded first
   * (copy on write). One job at a time: a new one, or a restore, abandons the last.
   */
  beginSnapshot(): SnapshotJob {
    const job = new SnapshotJob(this.options, this.clock, [...this.games.values()], this.dedupe.rows());
    this.job = job;
    return job;
  }

  /** The snapshot job is done with (finished or abandoned): games need no keeping any more. */
  endSnapshot(job: SnapshotJob): void {
    if (this.job === job) this.job = undefined;
  }

  /** Replaces the whole state with a snapshot's (taken by any replica). */
  restore(data: Uint8Array): void {
    this.job = undefined;
    const s = decodeSnapshot(data);
    (this as { options: Readonly<MachineOptions> }).options = Object.freeze({ ...DEFAULT_OPTIONS, ...s.options });
    this.clock = s.clock;
    this.games = new Map(s.games.map((g) => [g.id, g]));
    this.dedupe = new Dedupe(s.options.dedupeLimit, s.options.dedupeTtlMs);
    this.dedupe.load(s.dedupe);
  }

  static fromSnapshot(data: Uint8Array): ChessMachine {
    const m = new ChessMachine();
    m.restore(data);
    return m;
  }
}

/** What a request id was used for: a retry must be the same kind of command for the same game. */
function identity(c: Command): string {
  return 'gameId' in c ? `${c.type} in game ${c.gameId}` : c.type;
}

function reused(c: Command, first: string): CommandResult {
  return fail(ChessErrorCode.RequestIdReused, `request id ${c.requestId} of this session was used for a ${first}; a new command needs a new request id`);
}

