import { BORDER_TYPE, Chessboard, INPUT_EVENT_TYPE, type MoveInputEvent } from 'cm-chessboard/src/Chessboard.js';
import { Accessibility } from 'cm-chessboard/src/extensions/accessibility/Accessibility.js';
import { MARKER_TYPE, Markers } from 'cm-chessboard/src/extensions/markers/Markers.js';
import { PROMOTION_DIALOG_RESULT_TYPE, PromotionDialog } from 'cm-chessboard/src/extensions/promotion-dialog/PromotionDialog.js';
import piecesUrl from 'cm-chessboard/assets/pieces/standard.svg?url';
import markersUrl from 'cm-chessboard/assets/extensions/markers/markers.svg?url';
import 'cm-chessboard/assets/chessboard.css';
import 'cm-chessboard/assets/extensions/markers/markers.css';
import 'cm-chessboard/assets/extensions/promotion-dialog/promotion-dialog.css';
import type { Color } from '@rookery/protocol';
import { moveSquares, Position } from '../core/legal';

/** What the board shows; it draws this and reports the moves the player makes, nothing more. */
export interface BoardScene {
  fen: string;
  orientation: Color;
  /** The last move (UCI), highlighted; `pendingMove` marks it as not yet acknowledged. */
  lastMove: string | null;
  pendingMove: boolean;
  /** The side whose pieces the player may move now, if any. */
  movable: Color | null;
}

const LAST = { class: 'marker-last-move', slice: 'markerSquare' };
const PENDING = { class: 'marker-pending-move', slice: 'markerSquare' };
const CHECK = { class: 'marker-check', slice: 'markerCircleFilled' };
const side = (c: Color): 'w' | 'b' => (c === 'white' ? 'w' : 'b');

/**
 * The board (cm-chessboard, MIT): pieces, the last move, the king in check, the legal
 * destinations of the picked piece (from chess.js) and a promotion picker. Moves are reported as
 * UCI through `onMove`; the position only changes when the game says so.
 */
export class BoardView {
  private readonly board: Chessboard;
  private scene: BoardScene | null = null;
  private position: Position | null = null;

  constructor(
    host: HTMLElement,
    private readonly onMove: (uci: string) => void,
  ) {
    this.board = new Chessboard(host, {
      responsive: true,
      assetsCache: true,
      style: { cssClass: 'rookery', showCoordinates: true, borderType: BORDER_TYPE.none, pieces: { file: piecesUrl }, animationDuration: 180 },
      extensions: [
        { class: Markers, props: { autoMarkers: MARKER_TYPE.frame, sprite: markersUrl } },
        { class: PromotionDialog },
        { class: Accessibility, props: { language: 'en', movePieceForm: false, boardAsTable: true, piecesAsList: true, visuallyHidden: true } },
      ],
    });
  }

  draw(scene: BoardScene): void {
    const before = this.scene;
    this.scene = scene;
    if (before?.orientation !== scene.orientation) void this.board.setOrientation(side(scene.orientation));
    if (before?.fen !== scene.fen || this.position === null) this.position = new Position(scene.fen);
    // Also puts back a piece the player dragged when the move did not go through.
    if (this.board.getPosition() !== scene.fen.split(' ')[0]) void this.board.setPosition(scene.fen, before !== null);
    this.board.removeMarkers(LAST);
    this.board.removeMarkers(PENDING);
    this.board.removeMarkers(CHECK);
    const sq = scene.lastMove === null ? null : moveSquares(scene.lastMove);
    if (sq !== null) for (const s of sq) this.board.addMarker(scene.pendingMove ? PENDING : LAST, s);
    const king = this.position?.checkedKing() ?? null;
    if (king !== null) this.board.addMarker(CHECK, king);
    const turn = this.position?.turn;
    if (scene.movable !== null && scene.movable === turn) {
      if (!this.board.isMoveInputEnabled()) this.board.enableMoveInput((e) => this.input(e), side(scene.movable));
    } else this.board.disableMoveInput();
  }

  destroy(): void {
    this.board.destroy();
  }

  private input(e: MoveInputEvent): boolean | void {
    const pos = this.position;
    if (pos === null) return false;
    switch (e.type) {
      case INPUT_EVENT_TYPE.moveInputStarted: {
        const dests = pos.destinations(e.squareFrom);
        this.board.removeMarkers(MARKER_TYPE.dot);
        this.board.removeMarkers(MARKER_TYPE.bevel);
        for (const d of dests) this.board.addMarker(this.occupied(d) ? MARKER_TYPE.bevel : MARKER_TYPE.dot, d);
        return dests.length > 0;
      }
      case INPUT_EVENT_TYPE.validateMoveInput: {
        const to = e.squareTo ?? '';
        // The player's own move lands at once: cm-chessboard takes no new input until its
        // completion animation has run, and a quick reply to the opponent's move would be lost.
        e.animate = false;
        this.clearDests();
        if (!pos.destinations(e.squareFrom).includes(to)) return false;
        if (pos.isPromotion(e.squareFrom, to)) {
          this.board.showPromotionDialog(to, side(pos.turn), (r) => {
            if (r.type === PROMOTION_DIALOG_RESULT_TYPE.pieceSelected && r.piece) this.report(e.squareFrom + to + r.piece.charAt(1));
            else void this.board.setPosition(this.scene?.fen ?? pos.fen, false);
          });
          return true;
        }
        this.report(e.squareFrom + to);
        return true;
      }
      case INPUT_EVENT_TYPE.moveInputCanceled:
        this.clearDests();
        return;
      default:
        return;
    }
  }

  /**
   * Reports a move once the board has finished its own handling of the input: the answer redraws
   * the board, which must not happen in the middle of cm-chessboard's move-input callback.
   */
  private report(uci: string): void {
    setTimeout(() => this.onMove(uci), 0);
  }

  private occupied(square: string): boolean {
    return this.position !== null && this.position.pieceAt(square);
  }

  private clearDests(): void {
    this.board.removeMarkers(MARKER_TYPE.dot);
    this.board.removeMarkers(MARKER_TYPE.bevel);
  }
}
