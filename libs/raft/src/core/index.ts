export { RaftCore, type RaftStatus } from './raft';
export { DEFAULTS, type RaftConfig } from './config';
export { MemoryStorage, type LogStorage } from './storage';
export { RaftInvariantError, type ProposeResult, type RaftError, type RaftErrorCode, type RequestResult } from './errors';
export * from './types';
