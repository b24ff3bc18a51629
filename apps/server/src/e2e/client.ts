import type { Ack, Catchup, ClientToServerEvents, CommandAck, GameEvent, GameView, Handshake, SeatAck, ServerToClientEvents } from '@rookery/protocol';
import { io, type Socket } from 'socket.io-client';
import type { NodeHandle, TestCluster } from '@rookery/testing';

/**
 * A small typed socket.io-client for the end-to-end specs: connects without reconnection (the
 * specs reconnect by hand, to the node they choose), records every `game:event` and
 * `game:resync` in arrival order, and wraps each command in an acknowledged emit with a timeout.
 */
export type RookerySocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type WatchAck = Ack<{ catchup: Exclude<Catchup, { kind: 'ahead' | 'unknown' }> }>;

export const ACK_TIMEOUT_MS = 10_000;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Client {
  /** Every game event this connection received, in arrival order. */
  readonly events: GameEvent[] = [];
  /** The same events as they came, one array per `game:event` packet. */
  readonly packets: GameEvent[][] = [];
  readonly resyncs: GameView[] = [];
  /** Every `game:spectators` this connection received, in arrival order. */
  readonly spectators: { gameId: string; count: number }[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly socket: RookerySocket,
    readonly node: NodeHandle,
    readonly auth: Handshake,
  ) {
    socket.on('game:event', (...events) => {
      this.events.push(...events);
      this.packets.push(events);
      this.wake();
    });
    socket.on('game:resync', (v) => {
      this.resyncs.push(v);
      this.wake();
    });
    socket.on('game:spectators', (s) => {
      this.spectators.push(s);
      this.wake();
    });
    socket.on('disconnect', () => this.wake());
  }

  /** Connects to `node`; rejects with the handshake's refusal (e.g. `ERR_BAD_REQUEST: ...`). */
  static connect(node: NodeHandle, auth: Handshake = {}): Promise<Client> {
    const socket: RookerySocket = io(node.url, { auth: { ...auth }, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5000 });
    const client = new Client(socket, node, auth);
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(client));
      socket.once('connect_error', (e) => {
        socket.close();
        reject(e);
      });
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  close(): void {
    this.socket.close();
  }

  create(requestId: string, color: 'white' | 'black' | 'random', name?: string): Promise<Ack<SeatAck>> {
    return this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('game:create', { requestId, timeControl: null, color, ...(name !== undefined ? { name } : {}) });
  }

  join(gameId: string, requestId: string, name?: string): Promise<Ack<SeatAck>> {
    return this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('game:join', { requestId, gameId, ...(name !== undefined ? { name } : {}) });
  }

  /** `ply`, if given: the plies the game had played when the move was made. */
  move(gameId: string, requestId: string, move: string, ply?: number): Promise<Ack<CommandAck>> {
    return this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('game:move', { requestId, gameId, move, ...(ply !== undefined ? { ply } : {}) });
  }

  resign(gameId: string, requestId: string): Promise<Ack<CommandAck>> {
    return this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('game:resign', { requestId, gameId });
  }

  watch(gameId: string, version?: number): Promise<WatchAck> {
    return this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('game:watch', { gameId, ...(version !== undefined ? { version } : {}) });
  }

  /** Any event with any arguments and an acknowledgement: for what the typed map does not allow. */
  raw(event: string, ...args: unknown[]): Promise<unknown> {
    return (this.socket as unknown as Socket).timeout(ACK_TIMEOUT_MS).emitWithAck(event, ...args);
  }

  eventsOf(gameId: string): GameEvent[] {
    return this.events.filter((e) => e.gameId === gameId);
  }

  /** Resolves with the first received event that matches, waiting up to `timeoutMs`. */
  async waitFor(pred: (e: GameEvent) => boolean, what: string, timeoutMs = 10_000): Promise<GameEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(pred);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.node.id}: no event ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.events.map((e) => [e.version, e.type]))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, 200));
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  /** Resolves once the last `game:spectators` of `gameId` received says `count`. */
  async waitForSpectators(gameId: string, count: number, timeoutMs = 10_000): Promise<void> {
    const last = (): number | undefined => this.spectators.filter((s) => s.gameId === gameId).at(-1)?.count;
    const deadline = Date.now() + timeoutMs;
    while (last() !== count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.node.id}: game:spectators of ${gameId} not ${count} within ${timeoutMs} ms; got ${JSON.stringify(this.spectators.filter((s) => s.gameId === gameId).map((s) => s.count))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(left, 200));
        function done(): void {
          clearTimeout(t);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  waitForVersion(gameId: string, version: number, timeoutMs?: number): Promise<GameEvent> {
    return this.waitFor((e) => e.gameId === gameId && e.version >= version, `of game ${gameId} at version ${version}`, timeoutMs);
  }

  private wake(): void {
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}

// ---- HTTP ----------------------------------------------------------------------------------

export async function getJson(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, body };
}

/** A node's view of a game over HTTP, or undefined when it answers 404. */
export async function httpView(node: NodeHandle, gameId: string): Promise<GameView | undefined> {
  const { status, body } = await getJson(`${node.url}/api/games/${gameId}`);
  if (status === 404) return undefined;
  if (status !== 200) throw new Error(`${node.id}: GET /api/games/${gameId} answered ${status} ${JSON.stringify(body)}`);
  return (body as { game: GameView }).game;
}

export async function httpPgn(node: NodeHandle, gameId: string): Promise<string> {
  const res = await fetch(`${node.url}/api/games/${gameId}/pgn`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${node.id}: GET /api/games/${gameId}/pgn answered ${res.status} ${text}`);
  return text;
}

/** Polls until `node`'s view of the game satisfies `ok`; answers the view. */
export async function waitView(node: NodeHandle, gameId: string, ok: (v: GameView) => boolean, what: string, timeoutMs = 10_000): Promise<GameView> {
  const deadline = Date.now() + timeoutMs;
  let last: GameView | undefined;
  for (;;) {
    last = await httpView(node, gameId).catch(() => undefined);
    if (last !== undefined && ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`${node.id}: view of ${gameId} not ${what} within ${timeoutMs} ms; last ${JSON.stringify(last)}`);
    await sleep(30);
  }
}

export interface Ready {
  id: string;
  role: string;
  term: number;
  leader: string;
  commitIndex: number;
  appliedIndex: number;
}

/**
 * The set-up of a game two clients play: `white` creates it (request `${tag}-c`), `black` joins
 * it (`${tag}-j`), both answered, and `white` has seen both seats taken (version 3). Throws with
 * the answer if either is refused. Gives the game's id and the two seats' answers.
 */
export async function seatedGame(white: Client, black: Client, tag: string): Promise<{ gameId: string; white: SeatAck; black: SeatAck }> {
  const created = await white.create(`${tag}-c`, 'white');
  if (!created.ok) throw new Error(`${tag}: game:create refused: ${JSON.stringify(created)}`);
  const joined = await black.join(created.gameId, `${tag}-j`);
  if (!joined.ok) throw new Error(`${tag}: game:join refused: ${JSON.stringify(joined)}`);
  await white.waitForVersion(created.gameId, 3);
  return { gameId: created.gameId, white: created, black: joined };
}

/** Every running node's /health/ready, once all of them have applied everything they know committed and agree on it. */
export async function settledIndexes(cluster: TestCluster, timeoutMs = 5000): Promise<Ready[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(cluster.nodes.filter((n) => n.proc !== undefined).map((n) => cluster.status(n)));
    const all = states.filter((s): s is Ready => s !== undefined);
    if (all.length === states.length && all.every((s) => s.appliedIndex === s.commitIndex && s.commitIndex === all[0]!.commitIndex)) return all;
    if (Date.now() > deadline) throw new Error(`indexes not settled within ${timeoutMs} ms: ${JSON.stringify(states)}`);
    await sleep(20);
  }
}

/** A running node other than those given. */
export function otherNode(cluster: TestCluster, ...not: NodeHandle[]): NodeHandle {
  const n = cluster.nodes.find((x) => x.proc !== undefined && !not.includes(x));
  if (n === undefined) throw new Error(`no running node besides ${not.map((x) => x.id).join(', ')}`);
  return n;
}
