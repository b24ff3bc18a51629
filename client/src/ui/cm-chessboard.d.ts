// The parts of cm-chessboard (MIT, plain ES modules without types) that the board view uses.
declare module 'cm-chessboard/src/Chessboard.js' {
  export const COLOR: { white: 'w'; black: 'b' };
  export const INPUT_EVENT_TYPE: {
    moveInputStarted: 'moveInputStarted';
    movingOverSquare: 'movingOverSquare';
    validateMoveInput: 'validateMoveInput';
    moveInputCanceled: 'moveInputCanceled';
    moveInputFinished: 'moveInputFinished';
  };
  export const BORDER_TYPE: { none: 'none'; thin: 'thin'; frame: 'frame' };
  export interface MoveInputEvent {
    type: string;
    squareFrom: string;
    squareTo?: string;
    piece?: string;
    legalMove?: boolean;
    /** Set by a validator to false: the move's own completion animation is skipped. */
    animate?: boolean;
  }
  export interface ChessboardProps {
    position?: string;
    orientation?: 'w' | 'b';
    responsive?: boolean;
    assetsUrl?: string;
    assetsCache?: boolean;
    style?: {
      cssClass?: string;
      showCoordinates?: boolean;
      borderType?: string;
      aspectRatio?: number;
      pieces?: { file?: string; tileSize?: number };
      animationDuration?: number;
    };
    extensions?: { class: unknown; props?: Record<string, unknown> }[];
  }
  export class Chessboard {
    constructor(context: HTMLElement, props?: ChessboardProps);
    setPosition(fen: string, animated?: boolean): Promise<void>;
    getPosition(): string;
    setOrientation(color: 'w' | 'b', animated?: boolean): Promise<void>;
    getOrientation(): 'w' | 'b';
    enableMoveInput(handler: (e: MoveInputEvent) => boolean | void, color?: 'w' | 'b'): void;
    disableMoveInput(): void;
    isMoveInputEnabled(): boolean;
    destroy(): void;
    // Added by the Markers extension.
    addMarker(type: unknown, square: string): void;
    removeMarkers(type?: unknown, square?: string): void;
    // Added by the PromotionDialog extension.
    showPromotionDialog(square: string, color: 'w' | 'b', callback: (r: { type: string; piece?: string }) => void): void;
  }
}
declare module 'cm-chessboard/src/extensions/markers/Markers.js' {
  export const MARKER_TYPE: Record<'frame' | 'framePrimary' | 'frameDanger' | 'circle' | 'circlePrimary' | 'circleDanger' | 'circleDangerFilled' | 'square' | 'dot' | 'bevel', { class: string; slice: string }>;
  export class Markers {}
}
declare module 'cm-chessboard/src/extensions/promotion-dialog/PromotionDialog.js' {
  export const PROMOTION_DIALOG_RESULT_TYPE: { pieceSelected: 'pieceSelected'; canceled: 'canceled' };
  export class PromotionDialog {}
}
declare module 'cm-chessboard/src/extensions/accessibility/Accessibility.js' {
  export class Accessibility {}
}
declare module '*?url' {
  const url: string;
  export default url;
}
declare module '*.css' {}
