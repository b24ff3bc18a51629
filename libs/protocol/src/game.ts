/**
 * The game's vocabulary, shared by the chess state machine, the server, the client, the bench
 * and k6: the commands the state machine applies, the events it returns, the results it answers
 * with and the views it serves. Everything here is plain data (JSON-safe): commands travel in
 * Raft entries, events travel to sockets.
 */

export type Color = 'white' | 'black';

/**
 * The shapes of ids, tokens and names, shared by the gateway and the state machine. Explicit
 * character ranges, not Unicode properties: replicas on different Node (ICU) versions must
 * accept and refuse exactly the same commands.
 */
export const PATTERNS = {
  /** Request ids and sessions in commands. */
  id: /^[A-Za-z0-9_.:-]{1,64}$/,
  gameId: /^[A-Za-z0-9_-]{1,32}$/,
  token: /^[A-Za-z0-9_-]{16,128}$/,
  /** A player's name: 1-32 characters, none of them control or invisible formatting characters, quotes or backslashes. */
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  name: /^[^\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"\\]{1,32}$/u,
} as const;

/** Time control: initial time and increment per move, in milliseconds. `null` is untimed. */
export interface TimeControl {
  initialMs: number;
  incrementMs: number;
}

/** Fields every command carries. `session` is the client's identity; with `requestId` it makes a command unique. */
export interface CommandBase {
  requestId: string;
  session: string;
  /**
   * Written by the proposing server from log version 4 on, never by a client: the command's
   * first answer is final, a refusal included. A second copy of it in the log (a proposal the
   * server sent again after a leader change, while the first copy survived) gets that answer
   * back instead of being applied afresh to a game that has moved on since.
   */
  once?: true;
}

export interface CreateCommand extends CommandBase {
  type: 'create';
  gameId: string;
  /** The creator's seat token, minted by the server before proposing; only its holder acts for that seat. */
  token: string;
  /** The creator's color; the server resolves a "random" choice before proposing. */
  color: Color;
  timeControl: TimeControl | null;
  name?: string;
  /** A starting position other than the standard one. */
  fen?: string;
}

export interface JoinCommand extends CommandBase {
  type: 'join';
  gameId: string;
  token: string;
  /** The seat wanted; without it, the open one. */
  color?: Color;
  name?: string;
}

/** A command acting for a seat: the seat is the one whose token matches. */
export interface SeatCommandBase extends CommandBase {
  gameId: string;
  token: string;
}

export interface MoveCommand extends SeatCommandBase {
  type: 'move';
  /** UCI (`e2e4`, `e7e8q`) or SAN (`e4`, `Nxf7+`, `e8=Q`, `O-O`). */
  move: string;
  /**
   * The plies the game had played when the player made the move (optional): a move whose game
   * has since gone on is refused (ERR_STALE_MOVE), however long after it is retried.
   */
  ply?: number;
  /**
   * What the move does, as the server that proposed it found it on its own replica (see
   * MoveFound). Servers write it into the log once every member reads it (log version 3); a
   * client never sends it.
   */
  found?: MoveFound;
}

/**
 * A legal move as the proposing server found it, in the game's position at `version`: what the
 * other replicas would otherwise find again with the rules engine (the search for the move, the
 * test of what it leaves the opponent, the FEN). A replica applying the move while the game is
 * still at `version` takes it from here; one whose game has moved on since finds the move anew.
 */
export interface MoveFound {
  /** The game's version (its event count) the move was found at. */
  version: number;
  /** The SAN, with + for check and # for mate. */
  san: string;
  /** The UCI (`e2e4`, `e7e8q`). */
  uci: string;
  /** The FEN after the move. */
  fen: string;
  /** The piece moved. */
  piece: PieceSymbol;
  /** The piece it takes, if any. */
  captured?: PieceSymbol;
  /** Set when it takes en passant. */
  enPassant?: true;
  /** Set when it leaves the opponent, not in check, without a legal move: stalemate. */
  stalemate?: true;
}

export interface ResignCommand extends SeatCommandBase {
  type: 'resign';
}
export interface OfferDrawCommand extends SeatCommandBase {
  type: 'offerDraw';
}
export interface AcceptDrawCommand extends SeatCommandBase {
  type: 'acceptDraw';
}
export interface DeclineDrawCommand extends SeatCommandBase {
  type: 'declineDraw';
}
export interface ClaimDrawCommand extends SeatCommandBase {
  type: 'claimDraw';
  /** Which rule is claimed; without it, whichever holds. */
  reason?: 'threefold' | 'fifty-moves';
}
export interface AbortCommand extends SeatCommandBase {
  type: 'abort';
}

/** Proposed by the leader when it sees a clock run out; the machine checks it against the entry's time. */
export interface FlagCommand extends CommandBase {
  type: 'flag';
  gameId: string;
}

/** Housekeeping, proposed by the leader now and then: ends abandoned games and forgets old finished ones. */
export interface SweepCommand extends CommandBase {
  type: 'sweep';
}

export type Command =
  | CreateCommand
  | JoinCommand
  | MoveCommand
  | ResignCommand
  | OfferDrawCommand
  | AcceptDrawCommand
  | DeclineDrawCommand
  | ClaimDrawCommand
  | AbortCommand
  | FlagCommand
  | SweepCommand;

export type CommandType = Command['type'];

/** Stable error codes: a bad command is answered with one of these and changes nothing. */
export const ChessErrorCode = {
  /** Not a command: wrong shape, type or field. */
  Malformed: 'ERR_MALFORMED',
  UnknownGame: 'ERR_UNKNOWN_GAME',
  GameExists: 'ERR_GAME_EXISTS',
  /** The machine holds as many games as it is configured to. */
  TooManyGames: 'ERR_TOO_MANY_GAMES',
  BadPosition: 'ERR_BAD_POSITION',
  SeatTaken: 'ERR_SEAT_TAKEN',
  /** The session already holds the other seat of this game. */
  AlreadySeated: 'ERR_ALREADY_SEATED',
  /** The token is not one of this game's seats. */
  NotSeated: 'ERR_NOT_SEATED',
  /** The game waits for its second player. */
  NotStarted: 'ERR_NOT_STARTED',
  GameOver: 'ERR_GAME_OVER',
  NotYourTurn: 'ERR_NOT_YOUR_TURN',
  IllegalMove: 'ERR_ILLEGAL_MOVE',
  /** A move made on an earlier position: its `ply` is not the number of plies the game has played. */
  StaleMove: 'ERR_STALE_MOVE',
  NoDrawOffer: 'ERR_NO_DRAW_OFFER',
  DrawAlreadyOffered: 'ERR_DRAW_ALREADY_OFFERED',
  CannotClaim: 'ERR_CANNOT_CLAIM',
  CannotAbort: 'ERR_CANNOT_ABORT',
  /** A flag proposed while the side to move still has time (or in an untimed game). */
  NotFlagged: 'ERR_NOT_FLAGGED',
  /** The request id was already used by this session for another command (another type or game). */
  RequestIdReused: 'ERR_REQUEST_ID_REUSED',
} as const;
export type ChessErrorCode = (typeof ChessErrorCode)[keyof typeof ChessErrorCode];

export interface ChessError {
  code: ChessErrorCode;
  message: string;
}

/** What a command answers: the first result again when its request id was already applied. */
export type CommandResult =
  | {
      ok: true;
      gameId?: string;
      /** The game's version after the command. */
      version?: number;
      /** The seat taken (create, join) or acted for. */
      color?: Color;
      /** For a sweep: the games it ended and how many finished games it forgot. */
      ended?: string[];
      forgotten?: number;
      /** Set when this is the stored answer to a retried request. */
      duplicate?: true;
      /** The acting side's time had run out: the command was not carried out, the game ended on time instead. */
      flagged?: true;
    }
  | { ok: false; error: ChessError };
export type CommandOk = Extract<CommandResult, { ok: true }>;

/** How a game ended. PGN's Termination header is derived from it. */
export type EndReason =
  | 'checkmate'
  | 'resign'
  | 'timeout'
  | 'timeout-vs-insufficient'
  | 'stalemate'
  | 'agreement'
  | 'threefold'
  | 'fivefold'
  | 'fifty-moves'
  | 'seventy-five-moves'
  | 'insufficient-material'
  | 'aborted'
  | 'abandoned';

export type DrawReason = 'agreement' | 'threefold' | 'fivefold' | 'fifty-moves' | 'seventy-five-moves' | 'insufficient-material';

export type GameResult = '1-0' | '0-1' | '1/2-1/2' | '*';
export type GameStatus = 'waiting' | 'started' | 'ended';

/** Both clocks, in ms left, as of `at`; `running` is the side whose clock runs after `at` (none before each side's first move). */
export interface Clocks {
  white: number;
  black: number;
  running: Color | null;
  at: number;
}

export type PieceSymbol = 'p' | 'n' | 'b' | 'r' | 'q' | 'k';

interface EventBase {
  gameId: string;
  /** The game's version after this event: versions go 1, 2, 3, … without gaps. */
  version: number;
  /** The entry time at which it happened. */
  at: number;
}

export type GameEvent = EventBase &
  (
    | { type: 'created'; timeControl: TimeControl | null; fen: string }
    | { type: 'seated'; color: Color; name: string }
    | { type: 'moved'; color: Color; ply: number; san: string; uci: string; fen: string; clocks: Clocks | null }
    | { type: 'captured'; color: Color; piece: PieceSymbol; square: string }
    | { type: 'check'; color: Color }
    | { type: 'checkmate'; winner: Color; result: GameResult }
    | { type: 'stalemate'; result: GameResult }
    | { type: 'draw'; reason: DrawReason; result: GameResult }
    | { type: 'resigned'; color: Color; result: GameResult }
    | { type: 'flagged'; color: Color; result: GameResult; clocks: Clocks }
    | { type: 'aborted'; reason: 'aborted' | 'abandoned'; by: Color | null; result: GameResult }
    | { type: 'drawOffered'; color: Color }
    | { type: 'drawDeclined'; color: Color; implicit: boolean }
  );

export type GameEventType = GameEvent['type'];

/** What a command did: its answer, and the events it caused (none when it failed or was a duplicate). */
export interface ApplyOutput {
  result: CommandResult;
  events: GameEvent[];
}

export interface SeatView {
  name: string;
}

/** A game as anyone may see it: no seat tokens, no sessions. */
export interface GameView {
  gameId: string;
  version: number;
  status: GameStatus;
  result: GameResult;
  reason: EndReason | null;
  /** The position now, and the one the game started from. */
  fen: string;
  initialFen: string;
  turn: Color;
  moves: { san: string; uci: string }[];
  timeControl: TimeControl | null;
  clocks: Clocks | null;
  seats: { white: SeatView | null; black: SeatView | null };
  drawOffer: Color | null;
  createdAt: number;
  endedAt: number | null;
}

/** A line of the lobby. */
export interface GameSummary {
  gameId: string;
  status: 'waiting' | 'started';
  version: number;
  timeControl: TimeControl | null;
  seats: { white: SeatView | null; black: SeatView | null };
  plies: number;
  createdAt: number;
}

/** What a reconnecting client gets: the events after its version, or a whole view when they are gone. */
export type Catchup =
  | { kind: 'events'; events: GameEvent[] }
  | { kind: 'resync'; view: GameView }
  /** The client has seen a version this replica has not applied yet: wait for it, then ask again. */
  | { kind: 'ahead'; version: number }
  | { kind: 'unknown' };

