/**
 * The harness of the rules specs (rules-*.spec.ts): a game from a FEN with both seats taken, the
 * event bodies a rule decides, and the checks every table row makes. Specs only; not part of the
 * public surface.
 */
import assert from 'node:assert/strict';
import { ChessMachine } from './machine';
import type { ApplyOutput, Color, GameEvent, GameView } from './types';

export const GAME = 'rules-game';
export const TOKEN: Record<Color, string> = { white: 'white-seat-token-0001', black: 'black-seat-token-0001' };
const SESSION: Record<Color, string> = { white: 'session.white', black: 'session.black' };

/** An event without its envelope (gameId, version, at): what the rule decided. */
export type Body = Record<string, unknown>;
export function bodies(events: GameEvent[]): Body[] {
  return events.map((e) => {
    const { gameId: _g, version: _v, at: _a, ...body } = e;
    return body;
  });
}

export function moved(color: Color, ply: number, san: string, uci: string, fen: string): Body {
  return { type: 'moved', color, ply, san, uci, fen, clocks: null };
}
export const captured = (color: Color, piece: string, square: string): Body => ({ type: 'captured', color, piece, square });
export const check = (color: Color): Body => ({ type: 'check', color });
export const checkmate = (winner: Color): Body => ({ type: 'checkmate', winner, result: winner === 'white' ? '1-0' : '0-1' });
export const stalemate: Body = { type: 'stalemate', result: '1/2-1/2' };
export const draw = (reason: string): Body => ({ type: 'draw', reason, result: '1/2-1/2' });

/** The FEN's fields by name. */
export function fenField(fen: string, field: 'placement' | 'turn' | 'castling' | 'ep' | 'halfmove' | 'fullmove'): string {
  const i = ['placement', 'turn', 'castling', 'ep', 'halfmove', 'fullmove'].indexOf(field);
  return fen.split(' ')[i]!;
}

export interface Table {
  machine: ChessMachine;
  view(): GameView;
  /** One move by `as` (the side to move unless given); the output, whatever it is. */
  move(text: string, as?: Color): ApplyOutput;
  /** Plays every move, each of which must be accepted; the events of each move. */
  play(...moves: string[]): GameEvent[][];
  claim(as: Color, reason?: 'threefold' | 'fifty-moves'): ApplyOutput;
}

/** A game from `fen` (the standard position without one) with both seats taken, untimed. */
export function fromFen(fen?: string): Table {
  const machine = new ChessMachine();
  let time = 1_000;
  let seq = 0;
  const create = machine.apply(
    { type: 'create', requestId: 'create-1', session: SESSION.white, gameId: GAME, token: TOKEN.white, color: 'white', timeControl: null, fen },
    time,
  );
  assert.deepEqual(create.result, { ok: true, gameId: GAME, version: 2, color: 'white' }, `create from ${fen}`);
  const join = machine.apply({ type: 'join', requestId: 'join-1', session: SESSION.black, gameId: GAME, token: TOKEN.black }, ++time);
  assert.deepEqual(join.result, { ok: true, gameId: GAME, version: 3, color: 'black' });
  const view = (): GameView => machine.view(GAME)!;
  const move = (text: string, as: Color = view().turn): ApplyOutput =>
    machine.apply({ type: 'move', requestId: `move-${++seq}`, session: SESSION[as], gameId: GAME, token: TOKEN[as], move: text }, ++time);
  return {
    machine,
    view,
    move,
    play(...moves) {
      return moves.map((text) => {
        const before = view();
        const out = move(text);
        assert.equal(out.result.ok, true, `${text} in ${before.fen}: ${JSON.stringify(out.result)}`);
        return out.events;
      });
    },
    claim(as, reason) {
      return machine.apply(
        { type: 'claimDraw', requestId: `claim-${++seq}`, session: SESSION[as], gameId: GAME, token: TOKEN[as], ...(reason === undefined ? {} : { reason }) },
        ++time,
      );
    },
  };
}

/** A refused command: exactly this error code, no events, and the game exactly as it was. */
export function assertRefused(t: Table, attempt: () => ApplyOutput, code: string, what: string): void {
  const before = t.view();
  const out = attempt();
  assert.equal(out.result.ok, false, `${what} should be refused in ${before.fen}`);
  assert.equal(!out.result.ok && out.result.error.code, code, `${what} in ${before.fen}: ${JSON.stringify(out.result)}`);
  assert.deepEqual(out.events, [], `${what}: a refused command has no events`);
  assert.deepEqual(t.view(), before, `${what}: a refused command changes nothing (version, fen, moves)`);
}

/** A move accepted with exactly these events (versions following on from the game's), and the new version in the result. */
export function assertMove(t: Table, text: string, expected: Body[], what = text): GameEvent[] {
  const before = t.view();
  const out = t.move(text);
  assert.equal(out.result.ok, true, `${what} in ${before.fen}: ${JSON.stringify(out.result)}`);
  assert.deepEqual(bodies(out.events), expected, `${what} in ${before.fen}`);
  assert.deepEqual(
    out.events.map((e) => e.version),
    expected.map((_, i) => before.version + i + 1),
    'versions follow on without gaps',
  );
  assert.deepEqual(out.result, { ok: true, gameId: GAME, version: before.version + expected.length, color: before.turn });
  return out.events;
}

export function assertEnded(view: GameView, result: string, reason: string): void {
  assert.deepEqual([view.status, view.result, view.reason], ['ended', result, reason]);
  assert.equal(view.endedAt !== null, true);
}

export function assertPlaying(view: GameView): void {
  assert.deepEqual([view.status, view.result, view.reason, view.endedAt], ['started', '*', null, null]);
}

/** After the end every game command is refused with ERR_GAME_OVER, and changes nothing. */
export function assertOver(t: Table): void {
  const turn = t.view().turn;
  assertRefused(t, () => t.move('Kd1', turn), 'ERR_GAME_OVER', 'a move after the end');
  assertRefused(t, () => t.move('e2e4', turn === 'white' ? 'black' : 'white'), 'ERR_GAME_OVER', "the other side's move after the end");
  assertRefused(t, () => t.claim('white'), 'ERR_GAME_OVER', 'a claim after the end');
}

