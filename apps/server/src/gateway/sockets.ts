import type { ClientToServerEvents, ServerToClientEvents } from '@rookery/protocol';
import type { Server, Socket } from 'socket.io';

export interface SocketData {
  session: string;
  /** Seat tokens held by this connection, by game id. */
  seats: Map<string, string>;
  ip: string;
}
export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** The room of a game's watchers (its players included), and back. */
export const ROOM_PREFIX = 'game:';
export const room = (gameId: string): string => `${ROOM_PREFIX}${gameId}`;
