import { Chess, type PieceSymbol, type Square } from 'chess.js';

/**
 * The few parts of chess.js's Chess this library reaches past the public API for. chess.js's
 * own Move class calls them the same way; its public `move`, `undo` and `moves({ verbose })`
 * build a Move object per call whose SAN alone generates every legal move of the position again,
 * which made chess.js most of a node's CPU per applied move. chess.js is pinned (1.4.0), the
 * seam is checked when this module loads, and board.spec.ts holds these paths equal to the
 * public ones over every legal move of thousands of positions.
 */
interface InternalMove {
  readonly color: 'w' | 'b';
  readonly from: number;
  readonly to: number;
  readonly piece: PieceSymbol;
  readonly captured?: PieceSymbol;
  readonly promotion?: PieceSymbol;
  readonly flags: number;
}

interface Internals {
  _moves(o?: { legal?: boolean; piece?: PieceSymbol; square?: Square }): InternalMove[];
  _moveFromSan(san: string, strict?: boolean): InternalMove | null;
  _makeMove(move: InternalMove): void;
  _undoMove(): InternalMove | null;
  _isKingAttacked(color: 'w' | 'b'): boolean;
  /** Each side's king's square (-1 if it has none). */
  _kings: { w: number; b: number };
  /** One undo record per move made, popped by _undoMove. */
  _history: unknown[];
  /** The 0x88 board: index (7 - rank) * 16 + file. */
  _board: ({ type: PieceSymbol; color: 'w' | 'b' } | undefined)[];
  _turn: 'w' | 'b';
}

const SEAM = ['_moves', '_moveFromSan', '_makeMove', '_undoMove', '_isKingAttacked'] as const;
for (const name of SEAM) {
  if (typeof (Chess.prototype as unknown as Record<string, unknown>)[name] !== 'function') {
    throw new Error(`chess.js has no Chess.${name}: this chess.js is not the version @rookery/chess-fsm was written against (1.4.0)`);
  }
}
for (const name of ['_history', '_board'] as const) {
  if (!Array.isArray((new Chess() as unknown as Partial<Internals>)[name])) {
    throw new Error(`chess.js keeps no Chess.${name}: this chess.js is not the version @rookery/chess-fsm was written against (1.4.0)`);
  }
}
if (typeof (new Chess() as unknown as Partial<Internals>)._kings?.w !== 'number') {
  throw new Error('chess.js keeps no Chess._kings: this chess.js is not the version @rookery/chess-fsm was written against (1.4.0)');
}

const inside = (board: Chess): Internals => board as unknown as Internals;

// chess.js's move flags (BITS).
const CAPTURE = 2;
const EP_CAPTURE = 8;
const KSIDE_CASTLE = 32;
const QSIDE_CASTLE = 64;

/** A legal move found on a board, with what the rules and the events need. */
export interface PlayedMove {
  readonly color: 'w' | 'b';
  readonly piece: PieceSymbol;
  readonly from: Square;
  readonly to: Square;
  readonly san: string;
  /** The move in UCI (`e2e4`, `e7e8q`). */
  readonly lan: string;
  /** The FEN after the move. */
  readonly after: string;
  readonly captured?: PieceSymbol;
  readonly promotion?: PieceSymbol;
  readonly enPassant: boolean;
}

/**
 * A move found and not yet played: `play` plays it on the board it was found on, in the same
 * position. What only the position after it tells — the FEN, and whether the SAN ends in `+` or
 * `#` — is read once it is played, not found by playing it on trial.
 */
export interface FoundMove {
  readonly move: Omit<PlayedMove, 'after' | 'san'>;
  /** The SAN without its check or mate suffix. */
  readonly body: string;
  readonly internal: InternalMove;
}

/** chess.js's 0x88 square index. */
function index(square: string): number {
  return (56 - square.charCodeAt(1)) * 16 + (square.charCodeAt(0) - 97);
}

function square(i: number): Square {
  return `${String.fromCharCode(97 + (i & 7))}${8 - (i >> 4)}` as Square;
}

/** The name of every 0x88 square index on the board (the rest of the 128 are off it). */
const SQUARES: readonly Square[] = Array.from({ length: 128 }, (_, i) => (i & 0x88 ? ('' as Square) : square(i)));

/**
 * The legal move from `from` to `to` (with `promotion`, required exactly when the move
 * promotes), as chess.js's `move({ from, to, promotion })` would find it; undefined if none.
 */
export function findByCoordinates(board: Chess, from: Square, to: Square, promotion: PieceSymbol | undefined): FoundMove | undefined {
  const target = index(to);
  // The piece's moves as the rules of movement allow, then the legality (own king not left in
  // check) of the one wanted: chess.js would test every one of them.
  const b = inside(board);
  const internal = b._moves({ legal: false, square: from }).find((m) => m.to === target && (m.promotion === undefined || m.promotion === promotion));
  if (internal === undefined) return undefined;
  const check = inCheck(board);
  return legal(b, internal, check) ? describe(board, internal, check) : undefined;
}

/** The legal move that strict SAN `san` names, as chess.js's `move(san, { strict: true })` would find it. */
export function findBySan(board: Chess, san: string): FoundMove | undefined {
  const internal = inside(board)._moveFromSan(san, true);
  return internal === null ? undefined : describe(board, internal, inCheck(board));
}

/**
 * Plays a found move for good. chess.js's `move` would also keep an undo record of it and count
 * the position for its own threefold: neither is used here (a game counts its repetitions
 * itself, Game.repetitions, and undoes only the trial moves it has just made), and together
 * they held a third of a long game's memory, about 250 bytes a ply. So the board keeps no
 * history: `undo()`, `history()` and `isThreefoldRepetition()` of a board played this way know
 * nothing, as on a board built from a FEN.
 */
export function play(board: Chess, found: FoundMove): PlayedMove {
  const b = inside(board);
  const m = found.move;
  b._makeMove(found.internal);
  b._history.length = 0;
  // chess.js's SAN suffix, from the position the move has made: + for check, # for mate.
  const them = m.color === 'w' ? 'b' : 'w';
  const check = b._isKingAttacked(them);
  checks.set(board, check);
  const san = check ? found.body + (anyLegalMove(board) ? '+' : '#') : found.body;
  // One object shape for every move played (a spread would make as many as there are move kinds).
  return { color: m.color, piece: m.piece, from: m.from, to: m.to, san, lan: m.lan, after: board.fen(), captured: m.captured, promotion: m.promotion, enPassant: m.enPassant };
}

/**
 * What playing a found move would make, read by making it on trial and taking it back (the
 * board is left as it was): the SAN with its suffix, the FEN after it, and whether it leaves
 * the opponent, not in check, without a legal move (stalemate).
 */
export function tryFound(board: Chess, found: FoundMove): { san: string; after: string; stalemate: boolean } {
  const b = inside(board);
  b._makeMove(found.internal);
  try {
    const check = b._isKingAttacked(b._turn);
    const san = check ? found.body + (anyLegalMove(board) ? '+' : '#') : found.body;
    return { san, after: board.fen(), stalemate: !check && !anyPieceCanMove(b, false) };
  } finally {
    b._undoMove();
  }
}

/**
 * Makes a found move for good when what it makes is known already (tryFound's, or the
 * proposer's, `san`): the board keeps up with the game without reading the position again.
 */
export function replay(board: Chess, found: FoundMove, san: string): void {
  const b = inside(board);
  b._makeMove(found.internal);
  b._history.length = 0;
  const last = san.charCodeAt(san.length - 1);
  checks.set(board, last === 43 /* + */ || last === 35 /* # */);
}

/** Whether the side to move, in check, has any legal move (most have one early on). */
function anyLegalMove(board: Chess): boolean {
  const b = inside(board);
  return b._moves({ legal: false }).some((m) => legal(b, m, true));
}

/** Whether the piece on `square` (of the side to move) has a legal move. */
export function canMove(board: Chess, from: Square): boolean {
  return pieceCanMove(inside(board), from, inCheck(board));
}

function pieceCanMove(b: Internals, from: Square, check: boolean): boolean {
  return b._moves({ legal: false, square: from }).some((m) => legal(b, m, check));
}

/**
 * Whether the side to move has any legal move (chess.js's `isStalemate` generates every legal
 * move of the position to know), asked one piece at a time and stopping at the
 * first piece that has one. Pieces that usually have somewhere to go come first (knights,
 * queens, rooks, bishops), then pawns, then the king, which sits boxed in for much of a game:
 * most positions answer after a piece or two, and only one with no legal move at all (stalemate
 * or mate) costs a full generation.
 */
export function hasLegalMove(board: Chess): boolean {
  return anyPieceCanMove(inside(board), inCheck(board));
}

/** hasLegalMove, `check` saying whether the side to move is in check. */
function anyPieceCanMove(b: Internals, check: boolean): boolean {
  const us = b._turn;
  for (let group = 0; group < 3; group++) {
    for (let i = 0; i < 120; i++) {
      if (i & 0x88) {
        i += 7;
        continue;
      }
      const p = b._board[i];
      if (p === undefined || p.color !== us || (p.type === 'k' ? 2 : p.type === 'p' ? 1 : 0) !== group) continue;
      if (pieceCanMove(b, SQUARES[i]!, check)) return true;
    }
  }
  return false;
}

/**
 * Whether the side to move is in check, as the last `play` on this board found it (it tests the
 * position it makes, for the SAN's suffix), else asked of the board. A board changes for good
 * only through `play`: the trial moves below are taken back.
 */
const checks = new WeakMap<Chess, boolean>();

function inCheck(board: Chess): boolean {
  let check = checks.get(board);
  if (check === undefined) {
    const b = inside(board);
    check = b._isKingAttacked(b._turn);
    checks.set(board, check);
  }
  return check;
}

/**
 * Whether a move the rules of movement allow leaves its own king out of check, `check` saying
 * whether the king is in check now. Out of check, a move other than the king's or an en passant
 * capture can expose the king only by taking a pinned piece off its line, which the board tells
 * without making the move; the rest are made on trial and taken back (chess.js's own test).
 */
function legal(b: Internals, m: InternalMove, check: boolean): boolean {
  const king = b._kings[m.color];
  if (check || m.piece === 'k' || (m.flags & EP_CAPTURE) !== 0 || king < 0) return leavesKingSafe(b, m);
  const step = RAY[m.from - king + 119]!;
  if (step === 0) return true; // not on a line with its king: not pinned
  const board = b._board;
  for (let sq = king + step; sq !== m.from; sq += step) if (board[sq] !== undefined) return true; // shielded
  let sq = m.from + step;
  while (!(sq & 0x88) && board[sq] === undefined) sq += step;
  if (sq & 0x88) return true;
  const p = board[sq]!;
  const straight = step === 1 || step === -1 || step === 16 || step === -16;
  if (p.color === m.color || (p.type !== 'q' && p.type !== (straight ? 'r' : 'b'))) return true;
  // Pinned: it may move only along the pin (up to and onto the pinning piece).
  return RAY[m.to - king + 119] === step;
}

/** chess.js's legality test: the move made on trial, the king looked at, the move taken back. */
function leavesKingSafe(b: Internals, m: InternalMove): boolean {
  b._makeMove(m);
  const ok = !b._isKingAttacked(m.color);
  b._undoMove();
  return ok;
}

function describe(board: Chess, internal: InternalMove, check: boolean): FoundMove {
  const b = inside(board);
  const from = square(internal.from);
  const to = square(internal.to);
  const move: FoundMove['move'] = {
    color: internal.color,
    piece: internal.piece,
    from,
    to,
    lan: from + to + (internal.promotion ?? ''),
    enPassant: (internal.flags & EP_CAPTURE) !== 0,
  };
  // Set only when there is one (not spread in from a maybe-empty object: this is made per move).
  if (internal.captured !== undefined) (move as { captured?: PieceSymbol }).captured = internal.captured;
  if (internal.promotion !== undefined) (move as { promotion?: PieceSymbol }).promotion = internal.promotion;
  return { move, body: sanBody(b, internal, from, to, check), internal };
}

/**
 * The SAN of a move as chess.js's `_moveToSan` writes it, but without the check or mate suffix:
 * chess.js finds that by making the move on trial (and, for a check, generating every legal
 * reply), and `play` reads it from the move it makes for good.
 */
function sanBody(b: Internals, m: InternalMove, from: Square, to: Square, check: boolean): string {
  if (m.flags & KSIDE_CASTLE) return 'O-O';
  if (m.flags & QSIDE_CASTLE) return 'O-O-O';
  const capture = (m.flags & (CAPTURE | EP_CAPTURE)) !== 0;
  const promotion = m.promotion === undefined ? '' : `=${m.promotion.toUpperCase()}`;
  if (m.piece === 'p') return (capture ? `${from[0]}x` : '') + to + promotion;
  return m.piece.toUpperCase() + disambiguator(b, m, from, check) + (capture ? 'x' : '') + to + promotion;
}

/**
 * What tells a piece's move from a legal move of another piece of the same kind to the same
 * square: its file, else its rank when a rival shares the file, else both (chess.js's rule).
 * Kings need none; only rivals of the same kind, and only legal ones, count.
 */
function disambiguator(b: Internals, m: InternalMove, from: Square, check: boolean): string {
  if (m.piece === 'k') return '';
  let rivals = 0;
  let sameRank = false;
  let sameFile = false;
  for (const r of rivalMoves(b, m)) {
    if (!legal(b, r, check)) continue;
    rivals++;
    if (r.from >> 4 === m.from >> 4) sameRank = true;
    if ((r.from & 7) === (m.from & 7)) sameFile = true;
  }
  if (rivals === 0) return '';
  if (sameRank && sameFile) return from;
  return sameFile ? from[1]! : from[0]!;
}

// 0x88 steps: a knight's jumps, and the directions a bishop and a rook slide in.
const KNIGHT_STEPS = [-33, -31, -18, -14, 14, 18, 31, 33];
const DIAGONALS = [-17, -15, 15, 17];
const LINES = [-16, -1, 1, 16];
const SLIDES: Partial<Record<PieceSymbol, readonly number[]>> = { b: DIAGONALS, r: LINES, q: [...DIAGONALS, ...LINES] };

/**
 * 0x88 square difference (+119) → the step from the first square toward the second along a
 * rank, file or diagonal; 0 when they share none. (0x88 differences name the offset exactly.)
 */
const RAY = new Int8Array(239);
for (const step of [...DIAGONALS, ...LINES]) for (let k = 1; k < 8; k++) RAY[k * step + 119] = step;

/**
 * The moves the rules of movement allow other pieces of `m`'s kind and side to make to its
 * square (not yet tested for legality): what chess.js finds by generating every move of every
 * such piece, found here by looking outward from the square — a knight's jump away, or the
 * first piece along each line a bishop, rook or queen slides on. They capture what `m`
 * captures, and a knight's, bishop's, rook's or queen's move has no other flag.
 */
function rivalMoves(b: Internals, m: InternalMove): InternalMove[] {
  const out: InternalMove[] = [];
  if (m.piece === 'n') {
    for (const step of KNIGHT_STEPS) if (!((m.to + step) & 0x88)) addRival(b, m, m.to + step, out);
    return out;
  }
  for (const step of SLIDES[m.piece] ?? []) {
    let sq = m.to + step;
    while (!(sq & 0x88) && b._board[sq] === undefined) sq += step;
    if (!(sq & 0x88)) addRival(b, m, sq, out);
  }
  return out;
}

/**
 * Adds the move to `m`'s square of the piece on `from`, if that is another piece of `m`'s kind
 * and side. (A function of its own, not a closure made per call: under tsx every named closure
 * is also given its name, a property definition each time.)
 */
function addRival(b: Internals, m: InternalMove, from: number, out: InternalMove[]): void {
  const p = b._board[from];
  if (from === m.from || p === undefined || p.type !== m.piece || p.color !== m.color) return;
  // One shape whether or not it captures (a knight's, bishop's, rook's or queen's move has no other flag).
  out.push({ color: m.color, from, to: m.to, piece: m.piece, captured: m.captured, flags: m.flags });
}
