/**
 * What the clock specs (clock-*.spec.ts) share: a time control, a Table that drives one machine
 * with explicit entry times (games started, moves by the side to move, flags, sweeps and ticks),
 * and the checks on its answers and clocks. Specs only; not part of the public surface.
 */
import assert from 'node:assert/strict';
import { ChessMachine, DEFAULT_OPTIONS, type ApplyOutput, type ChessErrorCode, type Clocks, type Color, type GameEvent, type MachineOptions, type TimeControl } from './index';
import { BS, BT, WS, WT, XS, XT, type Body } from './machine.spec-fixtures';

export const TC: TimeControl = { initialMs: 60_000, incrementMs: 2000 };

/** One machine driven at explicit entry times (the clock specs' own: machine.spec-fixtures' Table keeps every output and plays lists of moves). */
export class Table {
  readonly m: ChessMachine;
  private n = 0;

  constructor(options: Partial<MachineOptions> = {}) {
    this.m = new ChessMachine({ ...DEFAULT_OPTIONS, ...options });
  }

  apply(c: Body, at: number): ApplyOutput {
    return this.m.apply({ requestId: `req-${++this.n}`, ...c }, at);
  }

  /** White WT created at `at`, black BT joined at `joinAt` (default `at`). */
  start(gameId: string, at: number, timeControl: TimeControl | null, o: { fen?: string; joinAt?: number } = {}): void {
    const c: Body = { type: 'create', session: WS, gameId, token: WT, color: 'white', timeControl };
    if (o.fen !== undefined) c['fen'] = o.fen;
    ok(this.apply(c, at));
    ok(this.apply({ type: 'join', session: BS, gameId, token: BT }, o.joinAt ?? at));
  }

  move(gameId: string, color: Color, move: string, at: number): ApplyOutput {
    return this.apply({ type: 'move', session: color === 'white' ? WS : BS, gameId, token: color === 'white' ? WT : BT, move }, at);
  }

  /** The side to move plays `move` at `at`; it must be accepted. */
  play(gameId: string, move: string, at: number): GameEvent[] {
    const out = this.move(gameId, this.m.view(gameId)!.turn, move, at);
    ok(out);
    return out.events;
  }

  flag(gameId: string, at: number): ApplyOutput {
    return this.apply({ type: 'flag', session: 'leader', gameId }, at);
  }

  sweep(at: number): ApplyOutput {
    return this.apply({ type: 'sweep', session: 'leader' }, at);
  }

  /** A refused command that only moves the machine's time forward. */
  tick(at: number): void {
    refused(this.apply({ type: 'join', session: XS, gameId: 'no-such-game', token: XT }, at), 'ERR_UNKNOWN_GAME');
  }

  /** A copy of the machine as it is now. */
  fork(): ChessMachine {
    return ChessMachine.fromSnapshot(this.m.snapshot());
  }
}

export function ok(out: ApplyOutput): void {
  assert.equal(out.result.ok, true, JSON.stringify(out.result));
}

export function refused(out: ApplyOutput, code: ChessErrorCode): void {
  assert.equal(out.result.ok ? 'ok' : out.result.error.code, code, JSON.stringify(out.result));
  assert.deepEqual(out.events, []);
}

export function clocks(white: number, black: number, running: Color | null, at: number): Clocks {
  return { white, black, running, at };
}

/** The clocks of the single `moved` event in `events`. */
export function movedClocks(events: GameEvent[]): Clocks | null {
  const moved = events.filter((e) => e.type === 'moved');
  assert.equal(moved.length, 1, JSON.stringify(events));
  return (moved[0] as GameEvent & { type: 'moved' }).clocks;
}
