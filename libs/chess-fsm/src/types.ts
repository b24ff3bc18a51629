// The game's data types are the wire's: they live in libs/protocol (game.ts), shared with the
// server and the client. The machine's own configuration is here.
export { ChessErrorCode } from '@rookery/protocol';
export type {
  Color,
  TimeControl,
  CommandBase,
  CreateCommand,
  JoinCommand,
  SeatCommandBase,
  MoveCommand,
  MoveFound,
  ResignCommand,
  OfferDrawCommand,
  AcceptDrawCommand,
  DeclineDrawCommand,
  ClaimDrawCommand,
  AbortCommand,
  FlagCommand,
  SweepCommand,
  Command,
  CommandType,
  ChessError,
  CommandResult,
  CommandOk,
  EndReason,
  DrawReason,
  GameResult,
  GameStatus,
  Clocks,
  PieceSymbol,
  GameEvent,
  GameEventType,
  ApplyOutput,
  SeatView,
  GameView,
  GameSummary,
  Catchup,
} from '@rookery/protocol';

/**
 * The machine's limits. Every replica must use the same options (like Raft's own configuration);
 * they travel in the snapshot, so a restored machine keeps the ones it was built with.
 */
export interface MachineOptions {
  /**
   * Events kept per game for resuming clients (at least this many, trimmed in steps of 64, but
   * a machine restored from a snapshot starts again from the newest SNAPSHOT_HISTORY). A
   * client further behind gets the whole game instead. Each kept event is memory (about 240
   * bytes a move), so this is what a long game costs beyond its moves. A snapshot keeps only the
   * newest few (SNAPSHOT_HISTORY in snapshot.ts).
   */
  historyLimit: number;
  /** Applied request ids remembered, at most this many ... */
  dedupeLimit: number;
  /** ... and for at most this long, in entry time. */
  dedupeTtlMs: number;
  /** Games held at once (waiting, started, and finished ones not yet forgotten). */
  maxGames: number;
  /** A sweep aborts a game whose second seat stayed empty this long. */
  openTimeoutMs: number;
  /** A sweep aborts a started game in which the side to move has not made its first move for this long. */
  firstMoveTimeoutMs: number;
  /** A sweep ends an untimed game with no move for this long as abandoned. */
  idleTimeoutMs: number;
  /** A sweep forgets a finished game this long after it ended. */
  retainEndedMs: number;
}

export const DEFAULT_OPTIONS: MachineOptions = {
  historyLimit: 128,
  dedupeLimit: 100_000,
  dedupeTtlMs: 10 * 60_000,
  maxGames: 100_000,
  openTimeoutMs: 60 * 60_000,
  firstMoveTimeoutMs: 60_000,
  idleTimeoutMs: 7 * 24 * 60 * 60_000,
  retainEndedMs: 60 * 60_000,
};
