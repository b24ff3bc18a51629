// Seats and sessions shared by the specs: three players (white, black and a spectator) with
// tokens and sessions that pass validation, plus the machine specs' Table and the checks they share.
// Specs (and the library's own bench, for `seeded`) only; not part of the public surface. Like
// every *.spec-fixtures.ts it is spec code for tsc and lint, not the library's pure code.
import assert from 'node:assert/strict';
import { ChessMachine, DEFAULT_OPTIONS, type ApplyOutput, type ChessErrorCode, type Color, type CommandResult, type GameEvent, type MachineOptions, type TimeControl } from './index';

export const WT = 'tok-white-0000000000001';
export const BT = 'tok-black-0000000000002';
export const XT = 'tok-specta-000000000003';
export const WS = 'sess-white';
export const BS = 'sess-black';
export const XS = 'sess-spectator';

/** A command as a test writes it: any shape, since the machine validates. */
export type Body = Record<string, unknown>;

/** A seeded xorshift32 generator of integers in [0, n): the same sequence every run. */
export function seeded(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}

/** A machine plus everything it answered, so a test can check versions and secrets at the end. */
export class Table {
  readonly m: ChessMachine;
  readonly outputs: ApplyOutput[] = [];
  private n = 0;

  constructor(options: Partial<MachineOptions> = {}) {
    this.m = new ChessMachine({ ...DEFAULT_OPTIONS, ...options });
  }

  apply(c: Body, at: number): ApplyOutput {
    const out = this.m.apply({ requestId: `req-${++this.n}`, ...c }, at);
    this.outputs.push(out);
    return out;
  }

  create(gameId: string, at: number, o: { color?: Color; timeControl?: TimeControl | null; name?: string; fen?: string; token?: string; session?: string } = {}): ApplyOutput {
    const c: Body = { type: 'create', session: o.session ?? WS, gameId, token: o.token ?? WT, color: o.color ?? 'white', timeControl: o.timeControl ?? null };
    if (o.name !== undefined) c['name'] = o.name;
    if (o.fen !== undefined) c['fen'] = o.fen;
    return this.apply(c, at);
  }

  join(gameId: string, at: number, o: { color?: Color; name?: string; token?: string; session?: string } = {}): ApplyOutput {
    const c: Body = { type: 'join', session: o.session ?? BS, gameId, token: o.token ?? BT };
    if (o.color !== undefined) c['color'] = o.color;
    if (o.name !== undefined) c['name'] = o.name;
    return this.apply(c, at);
  }

  /** A seat command by the holder of `token` (WT is white's session, BT black's, anything else the spectator's). */
  act(type: string, gameId: string, token: string, at: number, extra: Body = {}): ApplyOutput {
    const session = token === WT ? WS : token === BT ? BS : XS;
    return this.apply({ type, session, gameId, token, ...extra }, at);
  }

  move(gameId: string, token: string, move: string, at: number): ApplyOutput {
    return this.act('move', gameId, token, at, { move });
  }

  /** Plays `moves` in order, each by the side to move, one ms apart from `at`; every one must be accepted. */
  play(gameId: string, moves: string[], at: number): GameEvent[] {
    const events: GameEvent[] = [];
    moves.forEach((mv, i) => {
      const turn = this.m.view(gameId)!.turn;
      const out = this.move(gameId, turn === 'white' ? WT : BT, mv, at + i);
      assert.ok(out.result.ok === true, `${mv}: ${JSON.stringify(out.result)}`);
      events.push(...out.events);
    });
    return events;
  }

  /** A started game: white WT (created at `at`), black BT (joined at `at` + 1). */
  started(gameId: string, at: number, timeControl: TimeControl | null = null): void {
    ok(this.create(gameId, at, { timeControl }));
    ok(this.join(gameId, at + 1));
  }

  events(gameId: string): GameEvent[] {
    return this.outputs.flatMap((o) => o.events).filter((e) => e.gameId === gameId);
  }
}

/** The command was accepted; its result. */
export function ok(out: ApplyOutput): CommandResult & { ok: true } {
  assert.ok(out.result.ok === true, JSON.stringify(out.result));
  return out.result as CommandResult & { ok: true };
}

/** The command was refused with `code` and a message, and made no events. */
export function refused(out: ApplyOutput, code: ChessErrorCode): void {
  assert.ok(out.result.ok === false, `expected ${code}, got ${JSON.stringify(out.result)}`);
  const { error } = out.result;
  assert.ok(error.code === code, `expected ${code}, got ${error.code}: ${error.message}`);
  assert.ok(typeof error.message === 'string', `expected a string message, got ${typeof error.message}`);
  assert.ok(error.message.length > 0, `expected a message for ${code}, got an empty one`);
  assert.ok(out.events.length === 0, `expected no events for ${code}, got ${JSON.stringify(out.events)}`);
}

/** An event as the machine writes it: `body` with its game, version and entry time. */
export function ev(gameId: string, version: number, at: number, body: Body): GameEvent {
  return { ...body, gameId, version, at } as GameEvent;
}

export const utf8 = new TextDecoder();

/** The machine's snapshot bytes are still `before` (compared as text; a failure shows where they part). */
export function unchanged(before: Uint8Array, m: ChessMachine): void {
  const was = utf8.decode(before);
  const now = utf8.decode(m.snapshot());
  if (now === was) return;
  let i = 0;
  while (was[i] === now[i]) i++;
  const around = (s: string): string => JSON.stringify(s.slice(Math.max(0, i - 60), i + 60));
  assert.fail(`the snapshot changed at character ${i} of ${was.length}: was ${around(was)}, now ${around(now)}`);
}
