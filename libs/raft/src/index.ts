// The public surface of @rookery/raft: the pure core, and the runtime that runs it on real
// machines (disk, peer transport, node). The NestJS wrapper is apart, in @rookery/raft/nest,
// so the library works without Nest.
export * from './core/index';
export * from './node/index';
export * from './storage/index';
export * from './transport/index';
