import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createTcpServer, type Socket as TcpSocket } from 'node:net';
import type { TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ClientToServerEvents, Handshake, ServerToClientEvents } from '@rookery/protocol';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { NodeList } from '../core/nodes';
import { Connection, type ConnectionOptions, type ConnectionState } from './connection';

// The client's one connection to the cluster, against real Socket.IO servers on 127.0.0.1, port 0,
// each standing in for a Rookery node with just the behaviour a case needs.
//
// The fixtures shared by the connection-*.spec.ts files: the test nodes (and a silent one), a
// recorded Connection over them, and the ways its states are read. Specs only: the page never imports it.

export type NodeSocket = ServerSocket<ClientToServerEvents, ServerToClientEvents>;

/** Cleanups run in reverse order after the test: the client (and a session over it) goes before the nodes it talks to. */
export class Scope {
  private readonly stack: (() => unknown)[] = [];
  constructor(t: TestContext) {
    t.after(async () => {
      while (this.stack.length > 0) await this.stack.pop()!();
    });
  }
  defer(fn: () => unknown): void {
    this.stack.push(fn);
  }
}

interface NodeOptions {
  /** Refuse every connection in the `io.use` middleware with this message. */
  refuse?: string;
  /** Never finish the Socket.IO handshake: the middleware never calls next (an overloaded or frozen node). */
  stall?: true;
  /** Offer HTTP long-polling only (no WebSocket), as behind a proxy that will not upgrade. */
  pollingOnly?: true;
  /** Per-connection handlers for the case. */
  onConnection?: (socket: NodeSocket, node: TestNode) => void;
}

/** A Socket.IO server playing a Rookery node, and what it saw. */
export class TestNode {
  /** TCP connections accepted: every attempt to reach the node, refused or not. */
  tcp = 0;
  /** Connections refused by the middleware. */
  refused = 0;
  readonly handshakes: Handshake[] = [];
  readonly sockets: NodeSocket[] = [];
  readonly received: { event: string; payload: unknown }[] = [];
  readonly disconnects: { reason: string; at: number }[] = [];
  private readonly open = new Set<TcpSocket>();
  private closing: Promise<void> | null = null;

  private constructor(
    readonly io: Server<ClientToServerEvents, ServerToClientEvents>,
    readonly url: string,
  ) {}

  static async start(scope: Scope, o: NodeOptions = {}): Promise<TestNode> {
    const http = createServer();
    const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, { serveClient: false, ...(o.pollingOnly ? { transports: ['polling'] as const } : {}) });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const address = http.address();
    assert.ok(address !== null && typeof address === 'object');
    const node = new TestNode(io, `http://127.0.0.1:${address.port}`);
    scope.defer(() => node.kill());
    http.on('connection', (s: TcpSocket) => {
      node.tcp++;
      node.open.add(s);
      s.on('close', () => node.open.delete(s));
    });
    if (o.refuse !== undefined) {
      const message = o.refuse;
      io.use((_socket, next) => {
        node.refused++;
        next(new Error(message));
      });
    }
    if (o.stall) io.use(() => undefined);
    io.on('connection', (socket) => {
      node.handshakes.push(socket.handshake.auth as Handshake);
      node.sockets.push(socket);
      socket.onAny((event: string, payload: unknown) => node.received.push({ event, payload }));
      socket.on('disconnect', (reason) => node.disconnects.push({ reason, at: performance.now() }));
      o.onConnection?.(socket, node);
    });
    return node;
  }

  /** Shuts down the way a server does: the sockets are told and the port is released. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => void this.io.close(() => resolve()));
    return this.closing;
  }

  /** Dies: every TCP connection is cut at once, nobody is told. */
  kill(): Promise<void> {
    for (const s of this.open) s.destroy();
    return this.close();
  }
}

/** A TCP port that accepts connections and never says a word. */
export async function silentNode(scope: Scope): Promise<string> {
  const held = new Set<TcpSocket>();
  const server = createTcpServer((s) => held.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scope.defer(
    () =>
      new Promise<void>((resolve) => {
        for (const s of held) s.destroy();
        server.close(() => resolve());
      }),
  );
  const a = server.address();
  assert.ok(a !== null && typeof a === 'object');
  return `http://127.0.0.1:${a.port}`;
}

/** Waits until `cond` holds, polling every 5 ms; fails naming `what` after `ms`. */
export async function until(what: string, cond: () => boolean, ms = 3000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(5);
  }
}

export const NOW = 1_000_000;

/** A connection over `urls` (first is the page's origin) with a fixed random source and clock, its states recorded; not started. */
export function connection(scope: Scope, urls: string[], o: Partial<ConnectionOptions> = {}): { conn: Connection; states: ConnectionState[] } {
  const conn = new Connection({ nodes: new NodeList(urls[0]!, urls.slice(1)), auth: () => ({ session: 'session-0001' }), random: () => 0, now: () => NOW, ...o });
  const states: ConnectionState[] = [];
  conn.onState((s) => states.push(s));
  scope.defer(() => conn.close());
  return { conn, states };
}

/** The states as `kind node`, with the nodes named A, B, …, repeats of the same line merged. */
export function trail(states: readonly ConnectionState[], urls: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of states) {
    const line = `${s.kind} ${String.fromCharCode(65 + urls.indexOf(s.node))}`;
    if (out[out.length - 1] !== line) out.push(line);
  }
  return out;
}

export const waiting = (states: readonly ConnectionState[]): Extract<ConnectionState, { kind: 'waiting' }>[] =>
  states.filter((s): s is Extract<ConnectionState, { kind: 'waiting' }> => s.kind === 'waiting');

export const onlineAt = (conn: Connection, url: string): boolean => conn.online && conn.state.node === url;
