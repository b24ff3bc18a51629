import { Chess, type Square } from 'chess.js';
import { play, replay, tryFound, type FoundMove, type PlayedMove } from './board';
import { findMove } from './notation';
import { sideToMove } from './position';
import type { MoveFound, PieceSymbol } from './types';

/**
 * A game's chess.js board and the move last found on it: how a Game finds, tries and plays
 * moves. The game's FEN is the position; the board, when one is kept, is in that position, and
 * is built from it only when a move must be found (a restored machine does not pay for boards of
 * games nobody moves in, and a replica applying moves its proposer found needs none).
 *
 * Each method takes the game's FEN as it is now: the board is dropped whenever it would fall
 * behind it (a move played without it), and a move found is kept only with the position it was
 * found in.
 */
export class GameBoard {
  private board: Chess | null = null;
  /** The last move wouldMove found legal, the position it was tried in, and what it makes once asked (see play, found). */
  private tried: { fen: string; text: string; found: FoundMove; makes?: MoveFound } | null = null;

  /** The board in the position `fen`: the one kept, or one built from the FEN. */
  at(fen: string): Chess {
    // The FEN is one chess.js wrote, or one checked when the game was created: not checked again.
    this.board ??= new Chess(fen, { skipValidation: true });
    return this.board;
  }

  /**
   * Whether `text` is a legal move in `fen` (found on the board, not played). The move found is
   * kept with the position it was found in: the leader checks each move before it proposes it
   * and applies it soon after, and the application can then skip the search.
   */
  wouldMove(fen: string, text: string): boolean {
    const found = findMove(this.at(fen), text);
    if (found === undefined) return false;
    this.tried = { fen, text, found };
    return true;
  }

  /**
   * The move `text` as wouldMove just found it in `fen`, with what it makes (made on trial and
   * taken back) at the game's `version`: what a proposing server writes into the log, so that the
   * other replicas need not find it again. Undefined unless wouldMove found `text` in this position.
   */
  found(fen: string, version: number, text: string): MoveFound | undefined {
    const tried = this.tried;
    if (tried === null || tried.fen !== fen || tried.text !== text) return undefined;
    if (tried.makes === undefined) {
      const { san, after, stalemate } = tryFound(this.at(fen), tried.found);
      const m = tried.found.move;
      const makes: MoveFound = { version, san, uci: m.lan, fen: after, piece: m.piece };
      if (m.captured !== undefined) makes.captured = m.captured;
      if (m.enPassant) makes.enPassant = true;
      if (stalemate) makes.stalemate = true;
      tried.makes = makes;
    }
    return tried.makes;
  }

  /**
   * Plays, in `fen`, a move the proposer found in this very position: no search, no test of what
   * it leaves. The board, if one is built, keeps up when this replica found the same move itself
   * (it proposed it); otherwise it is dropped, to be built from the FEN when next needed.
   */
  playKnown(fen: string, text: string, known: MoveFound): PlayedMove {
    const tried = this.tried;
    this.tried = null;
    if (this.board !== null) {
      if (tried !== null && tried.fen === fen && tried.text === text) replay(this.board, tried.found, known.san);
      else this.board = null;
    }
    const promotion = known.uci.length === 5 ? (known.uci[4] as PieceSymbol) : undefined;
    // One object shape for every move played, as board.ts's play makes it.
    return {
      color: sideToMove(fen) === 'white' ? 'w' : 'b',
      piece: known.piece,
      from: known.uci.slice(0, 2) as Square,
      to: known.uci.slice(2, 4) as Square,
      san: known.san,
      lan: known.uci,
      after: known.fen,
      captured: known.captured,
      promotion,
      enPassant: known.enPassant === true,
    };
  }

  /** Plays `text` in `fen`: the move wouldMove found, if it was tried in this very position; otherwise a search. Undefined if it is not legal. */
  play(fen: string, text: string): PlayedMove | undefined {
    const tried = this.tried;
    this.tried = null;
    const found = tried !== null && tried.fen === fen && tried.text === text ? tried.found : findMove(this.at(fen), text);
    if (found === undefined) return undefined;
    return play(this.at(fen), found);
  }

  /** Lets the board go (the game is over): nothing more is found on it. */
  drop(): void {
    this.board = null;
    this.tried = null;
  }
}
