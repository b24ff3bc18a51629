import { Adapter, type BroadcastOptions } from 'socket.io-adapter';
import type { Namespace, Socket } from 'socket.io';
import type { Packet } from 'socket.io-parser';
import { BATCH_CAPACITY, FRAME_CAPACITY, type WriteThreads } from './write-threads';

/**
 * What the fast path reads of Engine.IO's connection and its `ws` socket: the same fields
 * Engine.IO's own WebSocket transport reads before it sends a pre-encoded frame (engine.io
 * 6.6, `_canSendPreEncodedFrame`), and the transport's state that says nothing is queued.
 */
interface EngineConnection {
  readyState: string;
  writeBuffer: unknown[];
  transport: {
    name: string;
    writable: boolean;
    perMessageDeflate?: unknown;
    socket?: IdleWebSocket;
  };
}

/** `ws`'s WebSocket, as far as the fast path reads it: its state, its send queue, its sender and its TCP socket. */
interface IdleWebSocket {
  readyState: number;
  bufferedAmount: number;
  _sender?: { sendFrame?: (list: Buffer[], cb?: () => void) => void };
  _socket?: { encrypted?: boolean; _handle?: { fd?: number } | null };
}

interface SocketInternals {
  conn: EngineConnection;
  client: { writeToEngine(encoded: unknown[], opts: object): void };
  notifyOutgoingListeners?: (packet: unknown) => void;
  /** Socket.IO's one way out for a socket's own packets: its emits, its acks, its disconnect. */
  packet(packet: unknown, opts?: unknown): void;
}

/** A room broadcast not yet written to all of its members: the room's sockets when it was made. */
interface Deferred {
  members: Socket[];
  /** Members before this one have been written it by the sweep. */
  cursor: number;
  /** Each member's place in `members`: built when a member's own packet needs the check (see flush). */
  places?: Map<Socket, number>;
  /** Members a flush already wrote it to, which the sweep skips (none, mostly). */
  flushed?: Set<Socket>;
  /** Writes it to one member, whichever way suits the socket (see broadcast). */
  write: (socket: Socket) => void;
  /** The finished WebSocket frame, when it has one (a text packet), for the write threads. */
  frame: Buffer | undefined;
  /** Tells the socket's outgoing listeners of it, for a member the write threads wrote. */
  notify: (socket: Socket) => void;
}

/**
 * Sockets the sweep writes in one turn of the event loop. On this project's machine one
 * socket's frame costs about 22 µs of the node's time, the kernel's loopback send and receive
 * mostly, so 500 hold the loop about 11 ms: a game with 5,000 spectators on a node takes ten
 * turns per move, and the node's other games and Raft's messages get through between them.
 */
export const SWEEP_CHUNK = 500;

/**
 * The fewest sockets a turn hands to the write threads (see WriteThreads): below it, waking them
 * costs more than the writes they would take off the event loop.
 */
export const THREAD_MINIMUM = 64;

const WS_OPEN = 1;

/**
 * One unmasked, final WebSocket text frame (RFC 6455 §5.2) carrying `text`: what a server
 * sends a browser, header and payload in one buffer, so one write puts it on a socket.
 */
export function textFrame(text: string): Buffer {
  const n = Buffer.byteLength(text);
  const head = n < 126 ? 2 : n < 0x10000 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (n < 126) frame[1] = n;
  else if (n < 0x10000) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(n / 0x1_0000_0000), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  frame.write(text, head);
  return frame;
}

/**
 * Socket.IO's in-memory adapter, with a cheaper room broadcast: the one thing a node does per
 * spectator per move. Stock Socket.IO already encodes a broadcast once, but still walks every
 * socket through Engine.IO's packet queue (a packet object, three events, a flush, a write
 * callback) and `ws`'s two-part write, and collects the room's ids into a set. Here a socket
 * whose WebSocket is open and idle (nothing queued in Engine.IO, no write awaiting its
 * callback, nothing buffered for the kernel, no compression) gets the finished frame in one write, the way Engine.IO itself
 * writes a pre-encoded frame; any other socket (long-polling, mid-upgrade, busy, or a binary
 * packet) goes Engine.IO's way, so a socket's packets stay in order and `volatile` still drops
 * what a busy socket cannot take (here too, for a slow reader the direct writes left behind).
 *
 * On this machine, 5,000 WebSocket clients in another process, broadcasts taken side by side:
 * the node's CPU per broadcast fell from 63 to 42 ms; `npm run bench`'s fan-out phase, against
 * stock Socket.IO in the same run, shows what it does end to end.
 *
 * A one-room broadcast is written in the next turn of the event loop, not in the caller's: a
 * node applies a move and broadcasts its events in one turn, and the mover's answer follows
 * them; written at once, 5,000 spectators' frames (about 110 ms on this project's machine) went
 * out before that answer, and the mover waited for the spectators. The room's members are taken
 * when it is called, so a socket that joins later gets it from its catch-up and not twice. The
 * promise that a connection gets a game's events before the answers to its own commands is kept
 * by a flush: a socket's own packet (an emit, an ack) first writes what is pending for it, in
 * order. Deferred broadcasts go out in the order they were made, SWEEP_CHUNK sockets a turn, so
 * that a popular game's move does not hold the node's other games for the whole of its fan-out;
 * anything Socket.IO broadcasts its own way (several rooms, exceptions, everyone) first writes
 * them all.
 *
 * With write threads (`withWriteThreads`, the node's --fanout-threads), a turn of at least
 * `threadMinimum` sockets is shared: the threads write the finished frame to the idle WebSockets
 * in the last part of the turn's sockets while the event loop writes the first part, then the
 * event loop writes what a thread's write left (see WriteThreads). The writes are the fan-out's
 * cost, and this puts them on as many CPUs as there are writers (`npm run bench`'s fan-out
 * phase shows what that gains on a given machine). A listener of
 * `onAnyOutgoing` runs in the event loop's part, while the threads write theirs: it must not
 * close other sockets then (none of Rookery's does).
 */
export class FanoutAdapter extends Adapter {
  /**
   * Sockets a one-room broadcast wrote directly (the event loop), through the write threads, and
   * handed to Engine.IO (which drops a volatile packet for a socket with a write in flight).
   */
  readonly sent = { direct: 0, thread: 0, engine: 0 };
  /** The threads that take part of each turn's writes (see WriteThreads), if any: set by `withWriteThreads`. */
  protected readonly writeThreads: WriteThreads | undefined = undefined;
  /** The fewest sockets a turn hands to the write threads (see THREAD_MINIMUM); tests set it lower. */
  threadMinimum = THREAD_MINIMUM;
  /** Deferred broadcasts, oldest first. */
  private readonly pending: Deferred[] = [];
  /** Sockets a turn's sweep writes (see SWEEP_CHUNK); tests set it lower. */
  chunk = SWEEP_CHUNK;
  private sweeping: NodeJS.Immediate | undefined;
  private readonly hooked = new WeakSet<Socket>();
  /** The sockets of the batch the write threads have, in the order handed over (reused). */
  private readonly handed: Socket[] = [];

  /** This adapter, for Socket.IO to construct, with `threads` taking part of each broadcast's writes. */
  static withWriteThreads(threads: WriteThreads | undefined): typeof FanoutAdapter {
    if (threads === undefined) return FanoutAdapter;
    return class extends FanoutAdapter {
      protected override readonly writeThreads = threads;
    };
  }

  override addAll(id: string, rooms: Set<string>): void {
    super.addAll(id, rooms);
    const socket = (this.nsp as Namespace).sockets.get(id);
    if (socket !== undefined) this.hook(socket);
  }

  /** Makes the socket's own packets wait for the deferred broadcasts it is a member of (once per socket). */
  private hook(socket: Socket): void {
    if (this.hooked.has(socket)) return;
    this.hooked.add(socket);
    const s = socket as unknown as SocketInternals;
    const own = s.packet;
    s.packet = (packet: unknown, opts?: unknown): void => {
      this.flush(socket);
      own.call(socket, packet, opts);
    };
  }

  /** Writes to `socket` every deferred broadcast it was a member of and has not had, oldest first. */
  private flush(socket: Socket): void {
    for (const d of this.pending) {
      if (d.flushed?.has(socket) === true) continue;
      d.places ??= new Map(d.members.map((m, i) => [m, i]));
      const place = d.places.get(socket);
      // Not a member when it was made, or the sweep has written it already.
      if (place === undefined || place < d.cursor) continue;
      (d.flushed ??= new Set()).add(socket);
      d.write(socket);
    }
  }

  /**
   * Writes the deferred broadcasts to the members that have not had them, oldest first: all of
   * them when `all` (before a broadcast Socket.IO makes its own way), otherwise `chunk` sockets,
   * and the rest in the next turn.
   */
  private sweep(all: boolean): void {
    if (this.sweeping !== undefined) clearImmediate(this.sweeping);
    this.sweeping = undefined;
    let budget = all ? Infinity : this.chunk;
    while (this.pending.length > 0) {
      const d = this.pending[0]!;
      const end = Math.min(d.members.length, d.cursor + budget);
      for (let from = d.cursor; from < end; from += BATCH_CAPACITY) this.write(d, from, Math.min(end, from + BATCH_CAPACITY));
      budget -= end - d.cursor;
      d.cursor = end;
      if (end < d.members.length) break;
      this.pending.shift();
    }
    if (this.pending.length > 0) this.sweeping = setImmediate(() => this.sweep(false));
  }

  /**
   * Writes `d` to its members from `from` to `to` (at most BATCH_CAPACITY) that have not had it
   * and are connected. With write threads ready and enough sockets, the threads take their
   * share from the end of the run (the idle WebSockets in it: the rest go the usual way) while
   * the event loop writes the start; then whatever a thread's write left (a slow reader's
   * socket took part of the frame, or none) goes through the socket, before anything else can
   * be written to it.
   */
  private write(d: Deferred, from: number, to: number): void {
    const threads = this.writeThreads;
    const frame = d.frame;
    const flushed = d.flushed;
    const due = (socket: Socket): boolean => flushed?.has(socket) !== true && socket.connected;
    const writeRun = (a: number, b: number): void => {
      for (let i = a; i < b; i++) if (due(d.members[i]!)) d.write(d.members[i]!);
    };
    if (threads === undefined || frame === undefined || frame.length > FRAME_CAPACITY || to - from < this.threadMinimum || !threads.ready) return writeRun(from, to);
    const split = to - Math.round((to - from) * threads.share);
    const handed = this.handed;
    handed.length = 0;
    threads.reset();
    for (let i = split; i < to; i++) {
      const socket = d.members[i]!;
      if (!due(socket)) continue;
      const fd = idleDescriptor((socket as unknown as SocketInternals).conn);
      if (fd === undefined) d.write(socket);
      else {
        threads.add(fd);
        handed.push(socket);
      }
    }
    if (handed.length === 0) return writeRun(from, split);
    threads.begin(frame);
    try {
      writeRun(from, split);
    } finally {
      // Collected however the event loop's part ended (an outgoing listener may throw): a frame
      // a thread started is finished before anything else can be written to its socket.
      const took = threads.finish();
      for (let j = 0; j < handed.length; j++) {
        const n = took[j]!;
        if (n > 0 && n < frame.length) sendRest((handed[j]! as unknown as SocketInternals).conn, frame.subarray(n));
      }
      for (let j = 0; j < handed.length; j++) {
        const socket = handed[j]!;
        // The kernel took none of it: the socket's own write queues it (or meets its error).
        if (took[j] === 0) d.write(socket);
        else {
          d.notify(socket);
          this.sent.thread++;
        }
      }
      handed.length = 0;
    }
  }

  override broadcastWithAck(packet: Packet, opts: BroadcastOptions, clientCountCallback: (clientCount: number) => void, ack: (...args: unknown[]) => void): void {
    // Socket.IO's own way too, after what is deferred.
    this.sweep(true);
    super.broadcastWithAck(packet, opts, clientCountCallback, ack);
  }

  override broadcast(packet: Packet, opts: BroadcastOptions): void {
    const only = opts.rooms.size === 1 && (opts.except === undefined || opts.except.size === 0) ? opts.rooms.values().next().value : undefined;
    // Several rooms, exceptions, or everyone: Socket.IO's own way, after what is deferred.
    if (only === undefined) {
      this.sweep(true);
      return super.broadcast(packet, opts);
    }
    const nsp = this.nsp as Namespace;
    const flags = opts.flags ?? {};
    const packetOpts: { preEncoded: true; volatile?: boolean; compress?: boolean; wsPreEncodedFrame?: Buffer[] } = {
      preEncoded: true,
      volatile: flags.volatile,
      compress: flags.compress,
    };
    packet.nsp = nsp.name;
    const encoded: unknown[] = nsp.server.encoder.encode(packet);
    const frame = encoded.length === 1 && typeof encoded[0] === 'string' ? textFrame(`4${encoded[0]}`) : undefined;
    // Engine.IO's own path takes the frame too, and spares itself the encoding.
    if (frame !== undefined) packetOpts.wsPreEncodedFrame = [frame];
    const send = (socket: Socket): void => {
      const s = socket as unknown as SocketInternals;
      s.notifyOutgoingListeners?.(packet);
      const path = frame === undefined ? 'engine' : writeDirect(s.conn, frame);
      if (path === 'written') this.sent.direct++;
      // A slow reader's backlog came from direct writes, which leave Engine.IO's transport
      // writable: Engine.IO would queue a volatile packet behind it, where stock Socket.IO, its
      // own write still awaiting the kernel, drops it. Dropped here likewise.
      else if (path === 'backlog' && packetOpts.volatile === true) return;
      else {
        this.sent.engine++;
        s.client.writeToEngine(encoded, packetOpts);
      }
    };
    // One room and no exceptions (every game's broadcast): its members are distinct already.
    const members: Socket[] = [];
    for (const id of this.rooms.get(only) ?? []) {
      const socket = nsp.sockets.get(id);
      if (socket !== undefined) members.push(socket);
    }
    if (members.length === 0) return;
    this.pending.push({ members, cursor: 0, write: send, frame, notify: (socket) => (socket as unknown as SocketInternals).notifyOutgoingListeners?.(packet) });
    this.sweeping ??= setImmediate(() => this.sweep(false));
  }
}

/**
 * The socket's WebSocket if a frame written now would be its next bytes; otherwise 'backlog'
 * when only bytes the kernel has not taken yet are ahead (a slow reader), and 'engine' for
 * anything else (long-polling, mid-upgrade, Engine.IO packets queued or in flight).
 */
function idleWebSocket(conn: EngineConnection): IdleWebSocket | 'backlog' | 'engine' {
  if (conn.readyState !== 'open' || conn.writeBuffer.length !== 0) return 'engine';
  const t = conn.transport;
  // (Engine.IO 6.6 never compresses a WebSocket; the check guards a version that might.)
  if (t.name !== 'websocket' || !t.writable || t.perMessageDeflate) return 'engine';
  const ws = t.socket;
  if (ws === undefined || ws.readyState !== WS_OPEN || typeof ws._sender?.sendFrame !== 'function') return 'engine';
  return ws.bufferedAmount !== 0 ? 'backlog' : ws;
}

/** Writes `frame` straight to the socket's WebSocket if nothing is ahead of it ('written'); see idleWebSocket for the rest. */
function writeDirect(conn: EngineConnection, frame: Buffer): 'written' | 'backlog' | 'engine' {
  const ws = idleWebSocket(conn);
  if (typeof ws === 'string') return ws;
  sendFrame(ws, frame);
  return 'written';
}

/** Hands bytes to the WebSocket's own sender (`ws`), which writes them to its socket behind anything queued. */
function sendFrame(ws: IdleWebSocket, bytes: Buffer): void {
  ws._sender!.sendFrame!.call(ws._sender, [bytes]);
}

/** The file descriptor of the socket's TCP connection, if its WebSocket is idle and plain TCP (not TLS): what a write thread may write to. */
function idleDescriptor(conn: EngineConnection): number | undefined {
  const ws = idleWebSocket(conn);
  if (typeof ws === 'string') return undefined;
  const tcp = ws._socket;
  const fd = tcp?._handle?.fd;
  return tcp?.encrypted !== true && typeof fd === 'number' && fd > 2 ? fd : undefined;
}

/** Writes the rest of a frame a write thread started, through the socket's WebSocket: ahead of anything else it will write. */
function sendRest(conn: EngineConnection, rest: Buffer): void {
  sendFrame(conn.transport.socket!, rest);
}
