import { GameClock } from './clock';
import { Game, type Seat } from './game';
import type { Clocks, Color, CommandResult, EndReason, GameEvent, GameResult, GameStatus, MachineOptions, TimeControl } from './types';

/**
 * The snapshot: the whole machine as UTF-8 JSON lines. A game is stored as its position (FEN), its
 * moves, its clocks, its repetition counts and its newest events, so restoring builds no board
 * and replays no move (boards are built lazily, on a game's next move).
 */

const FORMAT = 'rookery-chess-fsm/2';

/**
 * Events a snapshot keeps of each game's history: the newest, for a client a move or a few
 * behind that resumes on a node restored from it. One further behind gets the whole game as a
 * resync, as it would from any node once its events are trimmed (MachineOptions.historyLimit).
 * The history is only read to answer catch-ups, never by apply, so a restored machine applies
 * every command as the original would. Kept whole, the events were most of a snapshot's bytes
 * and of the time spent encoding it.
 *
 * At most historyLimit of them: every replica, restored or not, holds at least that many newest
 * events, so a snapshot's bytes are the same whichever replica takes it at a given index.
 */
export const SNAPSHOT_HISTORY = 16;

interface SavedGame {
  id: string;
  createdAt: number;
  initialFen: string;
  timeControl: TimeControl | null;
  status: GameStatus;
  result: GameResult;
  reason: EndReason | null;
  endedAt: number | null;
  version: number;
  seats: { white: Seat | null; black: Seat | null };
  fen: string;
  sans: string[];
  ucis: string[];
  repetitions: [string, number][];
  drawOffer: Color | null;
  lastActivity: number;
  clock: [number, number, number | null] | null;
  history: SavedEvent[];
}

/** An event without its key names or game id: [type, version, at, ...its fields in EVENT_FIELDS order]. */
type SavedEvent = [string, number, number, ...unknown[]];

/** Each event type's own fields, in the order they are saved. Clocks are saved as [white, black, running, at]. */
const EVENT_FIELDS: Record<GameEvent['type'], readonly string[]> = {
  created: ['timeControl', 'fen'],
  seated: ['color', 'name'],
  moved: ['color', 'ply', 'san', 'uci', 'fen', 'clocks'],
  captured: ['color', 'piece', 'square'],
  check: ['color'],
  checkmate: ['winner', 'result'],
  stalemate: ['result'],
  draw: ['reason', 'result'],
  resigned: ['color', 'result'],
  flagged: ['color', 'result', 'clocks'],
  aborted: ['reason', 'by', 'result'],
  drawOffered: ['color'],
  drawDeclined: ['color', 'implicit'],
};

function saveEvent(e: GameEvent): SavedEvent {
  const out: SavedEvent = [e.type, e.version, e.at];
  const fields = e as unknown as Record<string, unknown>;
  for (const k of EVENT_FIELDS[e.type]) {
    const v = fields[k];
    out.push(k === 'clocks' && v !== null ? clocksTuple(v as Clocks) : v);
  }
  return out;
}

function loadEvent(gameId: string, s: SavedEvent): GameEvent {
  const [type, version, at] = s;
  const fields = EVENT_FIELDS[type as GameEvent['type']];
  if (fields === undefined) throw new Error(`chess-fsm snapshot: game ${gameId} has an event of unknown type ${JSON.stringify(type)}`);
  // Keys in the order the machine creates them, so a restored event serialises as the original did.
  const e: Record<string, unknown> = { type };
  fields.forEach((k, i) => {
    const v = s[3 + i];
    e[k] = k === 'clocks' && v !== null ? clocksObject(v as [number, number, Color | null, number]) : v;
  });
  e['gameId'] = gameId;
  e['version'] = version;
  e['at'] = at;
  return e as unknown as GameEvent;
}

function clocksTuple(c: Clocks): [number, number, Color | null, number] {
  return [c.white, c.black, c.running, c.at];
}
function clocksObject([white, black, running, at]: [number, number, Color | null, number]): Clocks {
  return { white, black, running, at };
}

export interface MachineState {
  options: MachineOptions;
  clock: number;
  games: Game[];
  dedupe: [string, number, CommandResult, string][];
}

// TextEncoder is part of every JavaScript runtime this runs on, but not of the ES library the
// pure build compiles against (it has no DOM or Node types), so it is looked up rather than declared.
interface Utf8 {
  encode(s: string): Uint8Array;
  decode(b: Uint8Array): string;
}
const utf8: Utf8 = (() => {
  const g = globalThis as unknown as { TextEncoder: new () => { encode(s: string): Uint8Array }; TextDecoder: new (label: string, o: { fatal: boolean }) => { decode(b: Uint8Array): string } };
  const enc = new g.TextEncoder();
  const dec = new g.TextDecoder('utf-8', { fatal: true });
  return { encode: (s) => enc.encode(s), decode: (b) => dec.decode(b) };
})();

/** Dedupe entries per line: lines stay small whatever the table holds. */
const DEDUPE_PER_LINE = 1000;
/** What ends every line: JSON.stringify never writes a raw newline, so lines split cleanly. */
const NEWLINE = new Uint8Array([10]);

/**
 * One JSON document per line — a header, then each game, then the dedupe table in slices — each
 * encoded on its own, so no single string has to hold the whole state (a JavaScript string
 * holds at most about 512 MiB, which 30,000 long games would pass).
 */
export function encodeSnapshot(state: MachineState): Uint8Array {
  const job = new SnapshotJob(state.options, state.clock, state.games, state.dedupe);
  while (!job.step(Infinity));
  return job.result();
}

/** The dedupe table as the job keeps it: the entries themselves (never changed once made), or saved tuples. */
type DedupeRows = readonly (readonly [string, { at: number; result: CommandResult; what: string }])[];

/**
 * A snapshot of the machine as it was when the job began, encoded a few games per `step`, so a
 * large state never holds the event loop for long. The machine calls `preserve` with a game
 * before it changes it: a game not yet encoded is encoded then, in its state at the start (copy
 * on write, a game at a time). Games created later are not in it; the dedupe rows are kept
 * from the start (the table replaces an entry rather than changing it).
 */
export class SnapshotJob {
  /** Per game, in order: its line once encoded, or its state captured before a change, to encode later. */
  private readonly lines: (Uint8Array | Captured | undefined)[];
  private readonly pending = new Map<Game, number>();
  private readonly dedupeLines: Uint8Array[] = [];
  private next = 0;
  private out: Uint8Array[] | undefined;

  constructor(
    private readonly options: MachineOptions,
    private readonly clock: number,
    private readonly games: readonly Game[],
    private readonly dedupe: DedupeRows | [string, number, CommandResult, string][],
  ) {
    this.lines = new Array<Uint8Array | Captured | undefined>(games.length);
    games.forEach((g, i) => this.pending.set(g, i));
  }

  /**
   * Keeps `game` as it is now, if it is part of this snapshot and not yet kept: call before
   * changing it. Cheap whatever the game's length: its line from an earlier snapshot if it has
   * not changed since, else a shallow copy of its state (events are immutable) encoded later.
   * Every change to what is saved comes with an event, so a game whose version has not moved
   * has the same line (an idle or finished game costs a snapshot nothing after its first).
   */
  preserve(game: Game): void {
    const i = this.pending.get(game);
    if (i === undefined) return;
    this.pending.delete(game);
    const kept = game.snapshotLine;
    this.lines[i] = kept !== undefined && kept.version === game.version ? kept.bytes : capture(game, Math.min(SNAPSHOT_HISTORY, this.options.historyLimit));
  }

  /** Encodes up to `units` more games or slices of the dedupe table; true once the snapshot is complete. */
  step(units: number): boolean {
    if (this.out !== undefined) return true;
    let n = 0;
    for (; n < units && this.next < this.games.length; this.next++) {
      const g = this.games[this.next]!;
      const line = this.lines[this.next];
      if (line instanceof Uint8Array) continue;
      if (line === undefined) this.preserve(g);
      const kept = this.lines[this.next]!;
      if (kept instanceof Uint8Array) continue;
      const bytes = utf8.encode(JSON.stringify({ ...kept.state, history: kept.history.map(saveEvent) }));
      kept.game.snapshotLine = { version: kept.state.version, bytes };
      this.lines[this.next] = bytes;
      n++;
    }
    for (; n < units && this.dedupeLines.length * DEDUPE_PER_LINE < this.dedupe.length; n++) {
      const from = this.dedupeLines.length * DEDUPE_PER_LINE;
      const rows = this.dedupe.slice(from, from + DEDUPE_PER_LINE).map((r): [string, number, CommandResult, string] => (r.length === 2 ? [r[0], r[1].at, r[1].result, r[1].what] : r));
      this.dedupeLines.push(utf8.encode(JSON.stringify(rows)));
    }
    if (this.next < this.games.length || this.dedupeLines.length * DEDUPE_PER_LINE < this.dedupe.length) return false;
    const head = { format: FORMAT, options: this.options, clock: this.clock, games: this.games.length, dedupeLines: this.dedupeLines.length };
    this.out = [utf8.encode(JSON.stringify(head)), ...(this.lines as Uint8Array[]), ...this.dedupeLines].flatMap((line) => [line, NEWLINE]);
    return true;
  }

  /**
   * The snapshot's bytes as pieces to be joined in order, once `step` has answered true: not
   * copied into one buffer here, so whoever writes them (RaftNode frames them) copies them once,
   * and a slice at a time — tens of megabytes copied at once hold the event loop for 150–200 ms.
   */
  parts(): readonly Uint8Array[] {
    if (this.out === undefined) throw new Error('chess-fsm snapshot: the job is not finished');
    return this.out;
  }

  /** The snapshot's bytes joined, once `step` has answered true. */
  result(): Uint8Array {
    const parts = this.parts();
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** A game's saved fields as they were, its events not yet turned into saved tuples. */
interface Captured {
  game: Game;
  state: Omit<SavedGame, 'history'> & { history: undefined };
  history: GameEvent[];
}

/**
 * A shallow copy of what a game saves, with its newest `events`: arrays copied, the events
 * themselves shared (they are frozen once emitted), so the copy costs microseconds where
 * encoding costs a millisecond.
 */
function capture(g: Game, events: number): Captured {
  const state = saveFields(g);
  return { game: g, state: { ...state, seats: { ...state.seats }, sans: state.sans.slice(), ucis: state.ucis.slice(), history: undefined }, history: g.history.slice(Math.max(0, g.history.length - events)) };
}

/** What a game saves, its events apart (see saveEvent); `history` keeps its place in the key order. */
function saveFields(g: Game): Omit<SavedGame, 'history'> & { history: undefined } {
  return {
    id: g.id,
    createdAt: g.createdAt,
    initialFen: g.initialFen,
    timeControl: g.timeControl,
    status: g.status,
    result: g.result,
    reason: g.reason,
    endedAt: g.endedAt,
    version: g.version,
    seats: g.seats,
    fen: g.fen,
    sans: g.sans,
    ucis: g.ucis,
    repetitions: [...g.repetitions],
    drawOffer: g.drawOffer,
    lastActivity: g.lastActivity,
    clock: g.clock?.toJSON() ?? null,
    history: undefined,
  };
}

export function decodeSnapshot(data: Uint8Array): MachineState {
  let line = 0;
  let start = 0;
  const next = <T>(): T => {
    const end = data.indexOf(10, start);
    if (end < 0) throw new Error(`chess-fsm snapshot: line ${line + 1} is missing (${data.length} bytes)`);
    try {
      return JSON.parse(utf8.decode(data.subarray(start, end))) as T;
    } catch (e) {
      throw new Error(`chess-fsm snapshot: line ${line + 1} is not JSON (${e instanceof Error ? e.message : String(e)})`);
    } finally {
      line++;
      start = end + 1;
    }
  };
  const head = next<{ format?: unknown; options: MachineOptions; clock: number; games: number; dedupeLines: number }>();
  if (head.format !== FORMAT) throw new Error(`chess-fsm snapshot: format ${JSON.stringify(head.format)}, expected ${FORMAT}`);
  const games: Game[] = [];
  for (let i = 0; i < head.games; i++) games.push(loadGame(next<SavedGame>(), head.options.historyLimit));
  const dedupe: [string, number, CommandResult, string][] = [];
  for (let i = 0; i < head.dedupeLines; i++) for (const d of next<[string, number, CommandResult, string][]>()) dedupe.push(d);
  if (start !== data.length) throw new Error(`chess-fsm snapshot: ${data.length - start} bytes after the last line`);
  return { options: head.options, clock: head.clock, dedupe, games };
}

function loadGame(s: SavedGame, historyLimit: number): Game {
  const g = new Game(s.id, s.createdAt, s.initialFen, s.timeControl, historyLimit);
  g.status = s.status;
  g.result = s.result;
  g.reason = s.reason;
  g.endedAt = s.endedAt;
  g.version = s.version;
  g.seats = s.seats;
  g.fen = s.fen;
  g.sans = s.sans;
  g.ucis = s.ucis;
  g.repetitions = new Map(s.repetitions);
  g.drawOffer = s.drawOffer;
  g.lastActivity = s.lastActivity;
  g.clock = s.clock === null || s.timeControl === null ? null : GameClock.from(s.timeControl, s.clock);
  g.history = s.history.map((e) => loadEvent(s.id, e));
  return g;
}
