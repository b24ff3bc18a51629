// The public surface of @rookery/protocol: the game's data types and the Socket.IO protocol.
export * from './game';
export * from './socket';
export * from './validate';
