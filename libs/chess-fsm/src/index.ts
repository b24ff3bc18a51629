// The public surface of @rookery/chess-fsm.
export { ChessMachine } from './machine';
export type { SnapshotJob } from './snapshot';
export { parseCommand, opposite, MAX_INITIAL_MS, MAX_INCREMENT_MS } from './validate';
export { cannotMate, insufficientMaterial } from './material';
export { pgnDate, type PgnOptions } from './pgn';
export * from './types';
