import type { Color, EndReason, GameEvent, GameResult, GameView } from '@rookery/protocol';

/**
 * A game as this client knows it: the server's view, advanced event by event. Nothing here
 * decides chess: every field is what the server said, in the order of its versions.
 */
export interface GameModel extends Omit<GameView, 'createdAt' | 'endedAt'> {
  /** The side in check after the last move, if any (from the server's `check` event). */
  check: Color | null;
}

export function fromView(v: GameView): GameModel {
  const { createdAt: _created, endedAt: _ended, ...rest } = v;
  // A view does not say whether its side to move is in check; the board derives it from the FEN.
  return { ...rest, check: null };
}

/**
 * What an arriving event does to the model: `applied` with the next model; `stale` when its
 * version was already seen (a duplicate after a resume); `gap` when versions were skipped, so
 * the client must resume from its version before it can go on.
 */
export type Step = { kind: 'applied'; model: GameModel } | { kind: 'stale' } | { kind: 'gap'; have: number; got: number };

export function applyEvent(m: GameModel, e: GameEvent): Step {
  if (e.gameId !== m.gameId || e.version <= m.version) return { kind: 'stale' };
  if (e.version !== m.version + 1) return { kind: 'gap', have: m.version, got: e.version };
  return { kind: 'applied', model: { ...next(m, e), version: e.version } };
}

function next(m: GameModel, e: GameEvent): GameModel {
  switch (e.type) {
    case 'created':
      return { ...m, timeControl: e.timeControl, fen: e.fen, initialFen: e.fen, turn: e.fen.split(' ')[1] === 'b' ? 'black' : 'white' };
    case 'seated': {
      const seats = { ...m.seats, [e.color]: { name: e.name } };
      const started = m.status === 'waiting' && seats.white !== null && seats.black !== null;
      return { ...m, seats, status: started ? 'started' : m.status };
    }
    case 'moved':
      return { ...m, fen: e.fen, turn: e.color === 'white' ? 'black' : 'white', moves: [...m.moves, { san: e.san, uci: e.uci }], clocks: e.clocks ?? m.clocks, check: null };
    case 'check':
      return { ...m, check: e.color };
    case 'captured':
      return m;
    case 'drawOffered':
      return { ...m, drawOffer: e.color };
    case 'drawDeclined':
      return { ...m, drawOffer: null };
    case 'checkmate':
      return end(m, e.at, e.result, 'checkmate');
    case 'stalemate':
      return end(m, e.at, e.result, 'stalemate');
    case 'draw':
      return end(m, e.at, e.result, e.reason);
    case 'resigned':
      return end(m, e.at, e.result, 'resign');
    case 'flagged':
      return { ...end(m, e.at, e.result, e.result === '1/2-1/2' ? 'timeout-vs-insufficient' : 'timeout'), clocks: { ...e.clocks, running: null } };
    case 'aborted':
      return end(m, e.at, e.result, e.reason);
  }
}

/** The game is over: its clocks stop where they stood at the end. */
function end(m: GameModel, at: number, result: GameResult, reason: EndReason): GameModel {
  const c = m.clocks;
  const clocks = c === null || c.running === null ? c : { ...c, [c.running]: Math.max(0, c[c.running] - Math.max(0, at - c.at)), running: null, at };
  return { ...m, status: 'ended', result, reason, clocks, drawOffer: null };
}

/** The color whose seat is still open, if exactly one is. */
export function openSeat(m: GameModel): Color | null {
  if (m.status !== 'waiting') return null;
  if (m.seats.white === null && m.seats.black !== null) return 'white';
  if (m.seats.black === null && m.seats.white !== null) return 'black';
  return null;
}
