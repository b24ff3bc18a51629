import type { Catchup, ChessError, Clocks, Color, GameEvent, GameSummary, GameView, TimeControl } from './game';

/**
 * The Socket.IO protocol, defined once for server, client, bench and load tests. Every
 * client-to-server event carries one payload and an acknowledgement callback; the server
 * validates every payload (types do not check the wire) and answers `{ ok: false, error }`
 * with a stable code when it is wrong.
 *
 * The handshake (`io(url, { auth })`) carries `auth: Handshake`. A seat is held by its secret
 * token: `game:create` and `game:join` answer with it, and a client reconnecting (to any node)
 * presents its tokens again in `auth.seats`.
 */

export interface Handshake {
  /** The client's identity, chosen by the client and kept across reconnects: with a request id it makes a command unique. */
  session?: string;
  /** Seat tokens held, by game id. */
  seats?: Record<string, string>;
}

/** Error codes the gateway adds to the state machine's. */
export const GatewayErrorCode = {
  /** The payload is not what the event takes. */
  BadRequest: 'ERR_BAD_REQUEST',
  RateLimited: 'ERR_RATE_LIMITED',
  /** The cluster did not commit the command in time; it may still be applied — retry with the same request id. */
  Timeout: 'ERR_TIMEOUT',
  /** No leader is known right now (an election is under way); retry with the same request id. */
  Unavailable: 'ERR_UNAVAILABLE',
  /** The node is draining; reconnect elsewhere. */
  Draining: 'ERR_DRAINING',
  /** This replica has not applied the version the client has seen, and did not catch up in time. */
  Behind: 'ERR_BEHIND',
} as const;
export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

export type Ack<T> = ({ ok: true } & T) | { ok: false; error: ChessError | { code: GatewayErrorCode; message: string } };

export interface CreatePayload {
  requestId: string;
  timeControl: TimeControl | null;
  color: Color | 'random';
  name?: string;
}
export interface JoinPayload {
  requestId: string;
  gameId: string;
  color?: Color;
  name?: string;
}
export interface MovePayload {
  requestId: string;
  gameId: string;
  move: string;
  /** The plies the game had played when the move was made; a move on an earlier position is then refused (ERR_STALE_MOVE). */
  ply?: number;
}
export interface GamePayload {
  requestId: string;
  gameId: string;
}
export interface ClaimDrawPayload extends GamePayload {
  reason?: 'threefold' | 'fifty-moves';
}
export interface WatchPayload {
  gameId: string;
  /** The last version the client has seen: it receives exactly the events after it. Omit for a full view. */
  version?: number;
}

export interface SeatAck {
  gameId: string;
  color: Color;
  /** The seat's secret: only its holder acts for the seat. Present it in `auth.seats` when reconnecting. */
  token: string;
  version: number;
}
export interface CommandAck {
  gameId: string;
  version: number;
  duplicate?: true;
  /** The side to move had run out of time: the command was not carried out, the game ended on time (see the `flagged` event). */
  flagged?: true;
}

export interface ClientToServerEvents {
  'game:create': (p: CreatePayload, ack: (r: Ack<SeatAck>) => void) => void;
  'game:join': (p: JoinPayload, ack: (r: Ack<SeatAck>) => void) => void;
  'game:move': (p: MovePayload, ack: (r: Ack<CommandAck>) => void) => void;
  'game:resign': (p: GamePayload, ack: (r: Ack<CommandAck>) => void) => void;
  'game:offerDraw': (p: GamePayload, ack: (r: Ack<CommandAck>) => void) => void;
  'game:acceptDraw': (p: GamePayload, ack: (r: Ack<CommandAck>) => void) => void;
  'game:declineDraw': (p: GamePayload, ack: (r: Ack<CommandAck>) => void) => void;
  'game:claimDraw': (p: ClaimDrawPayload, ack: (r: Ack<CommandAck>) => void) => void;
  'game:abort': (p: GamePayload, ack: (r: Ack<CommandAck>) => void) => void;
  /** Start receiving a game's events: first what was missed since `version` (or a full view), then every event in order. */
  'game:watch': (p: WatchPayload, ack: (r: Ack<{ catchup: Exclude<Catchup, { kind: 'ahead' | 'unknown' }> }>) => void) => void;
  'game:unwatch': (p: { gameId: string }, ack: (r: Ack<object>) => void) => void;
  'lobby:list': (p: object, ack: (r: Ack<{ games: GameSummary[] }>) => void) => void;
}

export interface ServerToClientEvents {
  /**
   * Events of a watched game (players watch their own games automatically), in version order:
   * everything one command did to the game comes in one packet (a capture's `moved` and
   * `captured`, a mate's `moved` and `checkmate`), as does a catch-up.
   */
  'game:event': (...events: GameEvent[]) => void;
  /** This node replaced its state from a snapshot: here is the watched game whole; carry on from its version. */
  'game:resync': (view: GameView) => void;
  /** Now and then while a game's clock runs (volatile: may be dropped). */
  'clock:sync': (s: { gameId: string; version: number; clocks: Clocks; serverTime: number }) => void;
  /** The node is going away: reconnect (to any node) after about `reconnectInMs`. */
  'server:draining': (d: { reconnectInMs: number }) => void;
  /**
   * How many connections, on every node of the cluster, watch a game without holding one of its
   * seats. Sent to a game's watchers when the number changes (at most about once a second) and
   * to a connection soon after it starts watching.
   */
  'game:spectators': (s: { gameId: string; count: number }) => void;
}

export type ClientEventName = keyof ClientToServerEvents;
export const CLIENT_EVENTS: readonly ClientEventName[] = [
  'game:create',
  'game:join',
  'game:move',
  'game:resign',
  'game:offerDraw',
  'game:acceptDraw',
  'game:declineDraw',
  'game:claimDraw',
  'game:abort',
  'game:watch',
  'game:unwatch',
  'lobby:list',
];

/** The largest payload any event needs (a create with a name is about 200 bytes): Socket.IO's maxHttpBufferSize. */
export const MAX_PAYLOAD_BYTES = 4096;
