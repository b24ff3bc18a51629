import type { ClientToServerEvents, Handshake, ServerToClientEvents } from '@rookery/protocol';
import { io, type Socket } from 'socket.io-client';
import { backoffDelay, drainDelay } from '../core/backoff';
import type { NodeList } from '../core/nodes';
import { ClientErrorCode } from '../core/outbox';

export type RookerySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What the page shows: online, trying to connect, or waiting before the next try. */
export type ConnectionState =
  | { kind: 'connecting'; node: string; attempt: number }
  | { kind: 'online'; node: string }
  | { kind: 'waiting'; node: string; attempt: number; retryAt: number; reason: string };

type Payload<E extends keyof ClientToServerEvents> = Parameters<ClientToServerEvents[E]>[0];
type AnswerOf<E extends keyof ClientToServerEvents> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];
type Failure = { ok: false; error: { code: string; message: string } };
type Listener<E extends keyof ServerToClientEvents> = ServerToClientEvents[E];

export interface ConnectionOptions {
  nodes: NodeList;
  /** The handshake, asked again at every connection (seats taken since are included). */
  auth: () => Handshake;
  random?: () => number;
  now?: () => number;
  /** How long a connection attempt may take before the next node is tried. */
  connectTimeoutMs?: number;
}

/**
 * One live Socket.IO connection to the cluster, kept up by hand rather than by Socket.IO's own
 * reconnection: after a failure or a `server:draining` it tries again with backoff and jitter,
 * on the next node of its list (behind HAProxy the list is the page's origin, and HAProxy picks
 * a ready node). Each new connection presents the session and seats again; `onOnline` handlers
 * then resume their games from their versions and resend what is unanswered.
 */
export class Connection {
  private socket: RookerySocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private readonly onlineListeners = new Set<() => void>();
  private readonly listeners = new Map<keyof ServerToClientEvents, Set<(...a: never[]) => void>>();
  private readonly random: () => number;
  private readonly now: () => number;
  state: ConnectionState;

  constructor(private readonly opts: ConnectionOptions) {
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.state = { kind: 'connecting', node: opts.nodes.current, attempt: 0 };
  }

  get online(): boolean {
    return this.state.kind === 'online' && this.socket?.connected === true;
  }

  start(): void {
    this.open();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.drop();
  }

  onState(fn: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(fn);
    fn(this.state);
    return () => this.stateListeners.delete(fn);
  }

  /** Called after every successful (re)connection. */
  onOnline(fn: () => void): () => void {
    this.onlineListeners.add(fn);
    return () => this.onlineListeners.delete(fn);
  }

  on<E extends keyof ServerToClientEvents>(event: E, fn: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (set === undefined) this.listeners.set(event, (set = new Set()));
    set.add(fn as (...a: never[]) => void);
    return () => set.delete(fn as (...a: never[]) => void);
  }

  /**
   * Sends a command and resolves with the server's answer, or with ERR_OFFLINE (not connected:
   * nothing was sent) or ERR_NO_ANSWER (sent, unanswered within `timeoutMs` or before the
   * connection dropped: it may have been applied; resend it with the same request id).
   */
  request<E extends keyof ClientToServerEvents>(event: E, payload: Payload<E>, timeoutMs = 8000): Promise<AnswerOf<E> | Failure> {
    const s = this.socket;
    if (s === null || !s.connected) return Promise.resolve(fail(ClientErrorCode.Offline, `not connected: ${event} not sent`));
    return new Promise((resolve) => {
      const timed = s.timeout(timeoutMs) as unknown as { emit(e: string, p: unknown, cb: (err: Error | null, r: AnswerOf<E>) => void): void };
      timed.emit(event, payload, (err, r) => resolve(err ? fail(ClientErrorCode.NoAnswer, `${event}: ${err.message}`) : r));
    });
  }

  private open(): void {
    if (this.closed) return;
    const node = this.opts.nodes.current;
    this.setState({ kind: 'connecting', node, attempt: this.attempt });
    const socket: RookerySocket = io(node, {
      auth: { ...this.opts.auth() },
      reconnection: false,
      forceNew: true,
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      timeout: this.opts.connectTimeoutMs ?? 4000,
    });
    this.socket = socket;
    // Socket.IO's own timeout covers opening the transport only: a node that accepts the
    // transport but never answers the handshake (stalled, overloaded) must not hold the client.
    const limit = this.opts.connectTimeoutMs ?? 4000;
    const stalled = setTimeout(() => socket === this.socket && !socket.connected && this.retry(`${node} did not complete the handshake within ${limit} ms`, true), limit);
    socket.once('connect', () => clearTimeout(stalled));
    socket.once('disconnect', () => clearTimeout(stalled));
    socket.once('connect_error', () => clearTimeout(stalled));
    // One dispatcher per socket: handlers registered at any time hear every later event.
    socket.onAny((event: string, ...args: unknown[]) => {
      if (socket !== this.socket) return;
      const set = this.listeners.get(event as keyof ServerToClientEvents);
      if (set !== undefined) for (const fn of [...set]) (fn as (...a: unknown[]) => void)(...args);
    });
    socket.on('connect', () => {
      if (socket !== this.socket) return;
      this.attempt = 0;
      this.setState({ kind: 'online', node });
      for (const fn of this.onlineListeners) fn();
    });
    socket.on('connect_error', (e) => {
      if (socket !== this.socket) return;
      this.retry(`could not connect to ${node}: ${e.message}`, true);
    });
    socket.on('disconnect', (reason) => {
      if (socket !== this.socket) return;
      this.retry(`disconnected from ${node} (${reason})`, true);
    });
    socket.on('server:draining', ({ reconnectInMs }) => {
      if (socket !== this.socket) return;
      // Leave before the node closes us, at a jittered moment, for the next node.
      this.drop();
      this.opts.nodes.advance();
      this.wait(drainDelay(reconnectInMs, this.random), `${node} is draining`);
    });
  }

  private retry(reason: string, nextNode: boolean): void {
    this.drop();
    if (nextNode && this.opts.nodes.size > 1) this.opts.nodes.advance();
    this.wait(backoffDelay(this.attempt++, this.random), reason);
  }

  private wait(ms: number, reason: string): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.setState({ kind: 'waiting', node: this.opts.nodes.current, attempt: this.attempt, retryAt: this.now() + ms, reason });
    this.timer = setTimeout(() => this.open(), ms);
  }

  /** Forgets the current socket (its late events are ignored) and closes it. */
  private drop(): void {
    const s = this.socket;
    this.socket = null;
    if (s !== null) {
      s.removeAllListeners();
      s.close();
    }
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }
}

function fail(code: string, message: string): Failure {
  return { ok: false, error: { code, message } };
}

