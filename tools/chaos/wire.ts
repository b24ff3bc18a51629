import type { ClientToServerEvents, GameView, ServerToClientEvents } from '@rookery/protocol';
import { io, type Socket } from 'socket.io-client';
import { digest } from './chess-model';
import { outcomeOf, type ViewDigest } from './history';
import type { NodeHandle } from './nodes';
import type { StreamItem } from './streams';

/**
 * How the players talk to nodes: Socket.IO (commands with acknowledgements, game events) and the
 * HTTP API (commands, reads). Every call is bounded in time and comes back as an outcome: ok with
 * its body, a definite refusal (fail, with its code), or unknown (timeout, connection lost, or a
 * code after which the command may still be applied).
 */

export type Answer = { outcome: 'ok'; body: Record<string, unknown> } | { outcome: 'fail' | 'unknown'; code: string };

type RookerySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export const COMMAND_TIMEOUT_MS = 3000;
const CONNECT_TIMEOUT_MS = 2000;

function fromBody(body: unknown): Answer {
  const b = body as { ok?: unknown; error?: { code?: unknown } } | undefined;
  if (b?.ok === true) return { outcome: 'ok', body: b as Record<string, unknown> };
  const code = typeof b?.error?.code === 'string' ? b.error.code : 'no code';
  return { outcome: outcomeOf(code), code };
}

let connections = 0;

/** One Socket.IO connection to one node process; it never reconnects by itself (players choose where to go). */
export class SocketConn {
  readonly id = ++connections;

  private constructor(
    readonly node: NodeHandle,
    readonly socket: RookerySocket,
    /** `id#pid` of the process it is connected to. */
    readonly process: string | undefined,
    /** Seats this connection acts for: presented at connect, or taken on it. */
    readonly seats: Set<string>,
    /** Where what it receives of games is recorded. */
    private readonly record: (item: StreamItem) => void,
  ) {}

  static connect(node: NodeHandle, process: string | undefined, session: string, seats: Record<string, string>, onEvent: (gameId: string) => void, record: (item: StreamItem) => void): Promise<SocketConn> {
    const socket: RookerySocket = io(node.url, { auth: { session, seats }, transports: ['websocket'], reconnection: false, forceNew: true, timeout: CONNECT_TIMEOUT_MS });
    const conn = new SocketConn(node, socket, process, new Set(Object.keys(seats)), record);
    socket.on('game:event', (...events) => {
      for (const e of events) {
        conn.record({ conn: conn.id, game: e.gameId, kind: 'event', version: e.version, ...(e.type === 'moved' ? { uci: e.uci } : {}) });
        onEvent(e.gameId);
      }
    });
    socket.on('game:resync', (v) => {
      conn.record({ conn: conn.id, game: v.gameId, kind: 'resync', version: v.version, moves: v.moves.map((m) => m.uci) });
      onEvent(v.gameId);
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error('connect timeout'));
      }, CONNECT_TIMEOUT_MS + 500);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(conn);
      });
      socket.once('connect_error', (e) => {
        clearTimeout(timer);
        socket.close();
        reject(e);
      });
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  async command(event: 'game:create' | 'game:join' | 'game:move' | 'game:resign', payload: Record<string, unknown>): Promise<Answer> {
    if (!this.socket.connected) return { outcome: 'unknown', code: 'disconnected' };
    try {
      // The payload is built by the player for `event`; the typed overloads cannot follow a union of events.
      const timed = this.socket.timeout(COMMAND_TIMEOUT_MS) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> };
      return fromBody(await timed.emitWithAck(event, payload));
    } catch {
      // No acknowledgement in time, or the connection went away with the command in it.
      return { outcome: 'unknown', code: this.socket.connected ? 'timeout' : 'disconnected' };
    }
  }

  /** Starts receiving a game's events again after a reconnect; the catch-up is recorded (players themselves read views). */
  watch(gameId: string, version: number): void {
    if (!this.socket.connected) return;
    this.socket.timeout(COMMAND_TIMEOUT_MS).emit('game:watch', { gameId, version }, (err, ack) => {
      if (err !== null || !ack.ok) return;
      const c = ack.catchup;
      if (c.kind === 'resync') {
        this.record({ conn: this.id, game: gameId, kind: 'resync', version: c.view.version, moves: c.view.moves.map((m) => m.uci) });
        return;
      }
      this.record({ conn: this.id, game: gameId, kind: 'watched', version });
      for (const e of c.events) this.record({ conn: this.id, game: gameId, kind: 'catchup', version: e.version, ...(e.type === 'moved' ? { uci: e.uci } : {}) });
    });
  }

  close(): void {
    this.socket.close();
  }
}

/** A command over HTTP; `node` is the node that answered (the `x-rookery-node` header). */
export async function httpCommand(node: NodeHandle, path: string, body: Record<string, unknown>, session: string, token?: string): Promise<Answer & { answeredBy?: string }> {
  try {
    const res = await fetch(`${node.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-rookery-session': session, ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(COMMAND_TIMEOUT_MS),
    });
    const json: unknown = await res.json().catch(() => undefined);
    const answeredBy = res.headers.get('x-rookery-node') ?? undefined;
    // A 5xx without a body of ours (a proxy, a crash mid-answer) says nothing definite.
    if (json === undefined) return { outcome: 'unknown', code: `http ${res.status}`, ...(answeredBy ? { answeredBy } : {}) };
    return { ...fromBody(json), ...(answeredBy ? { answeredBy } : {}) };
  } catch (e) {
    return { outcome: 'unknown', code: (e as Error).name === 'TimeoutError' ? 'timeout' : 'network' };
  }
}

/** A game's view from one node's replica: null when the node does not know the game, undefined when it did not answer. */
export async function httpView(node: NodeHandle, gameId: string, timeoutMs = COMMAND_TIMEOUT_MS): Promise<{ view: ViewDigest | null; answeredBy: string | undefined } | undefined> {
  try {
    const res = await fetch(`${node.url}/api/games/${encodeURIComponent(gameId)}`, { signal: AbortSignal.timeout(timeoutMs) });
    const json = (await res.json()) as { ok: boolean; game?: GameView; error?: { code: string } };
    const answeredBy = res.headers.get('x-rookery-node') ?? undefined;
    if (json.ok && json.game !== undefined) return { view: digest(json.game), answeredBy };
    if (json.error?.code === 'ERR_UNKNOWN_GAME') return { view: null, answeredBy };
    return undefined;
  } catch {
    return undefined;
  }
}
