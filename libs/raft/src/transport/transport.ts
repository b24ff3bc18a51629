import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger, Message, NodeId } from '../core/types';
import { SILENT_LOGGER } from '../core/types';
import { APP_CHANNEL, CodecError, decodeAppMessage, decodeMessage, encodeAppMessage, encodeMessage, isAppMessage } from './codec';
import { APP_MESSAGES, HANDSHAKE_FRAME_BYTES, PROTOCOL, jsonFrame, parseJson, readFrames } from './frames';
import { OutboundPeer } from './outbound-peer';

export { jsonFrame } from './frames';

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

/** `host:port` (the port in decimal, 0-65535) as an address, or undefined when it is not one. */
export function parseAddress(s: string): PeerAddress | undefined {
  const at = s.lastIndexOf(':');
  const digits = s.slice(at + 1);
  const port = Number(digits);
  if (at <= 0 || !/^\d{1,5}$/.test(digits) || port > 65535) return undefined;
  return { host: s.slice(0, at), port };
}

/** A log version as a peer states it: a whole number of at least 1; a peer that states none (a server older than versions) reads version 1. */
export function logVersionOf(v: unknown): number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? v : 1;
}

export interface TransportOptions {
  readonly id: NodeId;
  /** Where to listen; port 0 picks a free one (see `start()`'s result). */
  readonly listen: PeerAddress;
  /** The cluster secret every member holds; peers prove they have it before anything else. */
  readonly secret: string | Uint8Array;
  readonly onMessage: (m: Message) => void;
  /** An application message (see `sendApp`) from a peer that proved itself. */
  readonly onAppMessage?: (from: NodeId, channel: string, payload: Uint8Array) => void;
  /** The address a peer that proved itself says it listens on (so a new member can be answered). */
  readonly onPeerAddress?: (id: NodeId, address: PeerAddress) => void;
  /** The address to tell peers we listen on (defaults to the bound one). */
  readonly advertise?: PeerAddress;
  /** The newest log version this server reads, told to every peer it dials (see RaftNodeOptions.logVersion). */
  readonly logVersion?: number;
  /** The log version a peer that proved itself says it reads (1 from a peer too old to say). */
  readonly onPeerLogVersion?: (id: NodeId, version: number) => void;
  readonly logger?: Logger;
  /** Bytes queued for a peer that is not connected (or slow) before messages to it are dropped. */
  readonly maxQueueBytes?: number;
  /** Reconnect backoff: the first delay and the cap, in ms (full jitter in between). */
  readonly reconnectMinMs?: number;
  readonly reconnectMaxMs?: number;
  /** Largest frame accepted (a snapshot chunk plus headers). */
  readonly maxFrameBytes?: number;
  /** Largest application message payload, sent or accepted (default 64 KiB). */
  readonly maxAppMessageBytes?: number;
}

export interface TransportStats {
  sent: number;
  received: number;
  /** Messages dropped because a peer was down or slow and its queue was full. */
  dropped: number;
  /** Connections refused because the peer could not prove it holds the secret. */
  rejected: number;
  /** Application messages written to a peer's connection. */
  appSent: number;
  /** Application messages handed to `onAppMessage`. */
  appReceived: number;
  /** Application messages not sent: the peer was down, slow, or does not read them. */
  appDropped: number;
  /** Application messages received and thrown away: too large or malformed. */
  appIgnored: number;
}

/** Connections still in their handshake, at most (a flood of them is refused). */
const MAX_PENDING_HANDSHAKES = 64;

/**
 * The peer transport: TCP, one long-lived outbound connection per peer (each node dials its
 * peers and sends on that connection; it receives on the connections its peers dial), frames of
 * [length u32][payload], HMAC challenge-response in both directions before any message, and
 * bounded queues: a peer that is down or slow costs at most maxQueueBytes, then its messages
 * are dropped, which Raft tolerates. Reconnects back off exponentially with full jitter.
 * Application messages (`sendApp`) share the authenticated connections, best effort.
 */
export class PeerTransport {
  private readonly peers = new Map<NodeId, OutboundPeer>();
  private readonly inbound = new Set<Socket>();
  private server: Server | undefined;
  private stopped = false;
  private pendingHandshakes = 0;
  /** The address we listen on, as told to peers. */
  bound: PeerAddress | undefined;
  readonly stats: TransportStats = { sent: 0, received: 0, dropped: 0, rejected: 0, appSent: 0, appReceived: 0, appDropped: 0, appIgnored: 0 };
  readonly logger: Logger;

  constructor(readonly opts: TransportOptions) {
    this.logger = opts.logger ?? SILENT_LOGGER;
  }

  /** Starts listening; resolves with the bound address. */
  async start(): Promise<PeerAddress> {
    const server = createServer((socket) => this.accept(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.listen.port, this.opts.listen.host, () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('raft transport: listening on an unexpected address');
    this.bound = this.opts.advertise ?? { host: this.opts.listen.host, port: addr.port };
    return this.bound;
  }

  /** The peers we send to, and where. */
  peerAddresses(): Map<NodeId, PeerAddress> {
    return new Map([...this.peers].map(([id, p]) => [id, p.address]));
  }

  setPeer(id: NodeId, address: PeerAddress): void {
    const existing = this.peers.get(id);
    if (existing !== undefined && existing.address.host === address.host && existing.address.port === address.port) {
      // Named again (a member re-added, say): it is expected up now, so a dial waiting out its
      // backoff goes at once.
      existing.wake();
      return;
    }
    existing?.close();
    const peer = new OutboundPeer(this, id, address);
    this.peers.set(id, peer);
    peer.connect();
  }

  removePeer(id: NodeId): void {
    this.peers.get(id)?.close();
    this.peers.delete(id);
  }

  /** Sends a message to its `to` peer; never blocks, never queues without bound. */
  send(m: Message): void {
    const peer = this.peers.get(m.to);
    if (peer === undefined) {
      this.stats.dropped++;
      return;
    }
    peer.send(encodeMessage(m));
  }

  /**
   * Sends an application message to peer `to` on `channel` when it is connected and reads them;
   * answers false when it dropped it instead. Never queued: application messages are news
   * (presence), resent by their sender, and stale news delivered late is worse than none.
   * A bad channel name or a payload over maxAppMessageBytes is the caller's bug: a RangeError.
   */
  sendApp(to: NodeId, channel: string, payload: Uint8Array): boolean {
    if (!APP_CHANNEL.test(channel)) throw new RangeError(`application channel ${JSON.stringify(channel)} is not 1-64 of A-Z a-z 0-9 _ . : -`);
    if (payload.length > this.maxAppMessageBytes) throw new RangeError(`application message of ${payload.length} bytes on ${channel} exceeds ${this.maxAppMessageBytes}`);
    const sent = this.peers.get(to)?.sendApp(encodeAppMessage(channel, payload)) ?? false;
    if (sent) this.stats.appSent++;
    else this.stats.appDropped++;
    return sent;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.peers.values()) p.close();
    this.peers.clear();
    for (const s of this.inbound) s.destroy();
    this.inbound.clear();
    const server = this.server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  mac(role: 'client' | 'server', a: string, b: string, nonce: Buffer): Buffer {
    return createHmac('sha256', this.opts.secret).update(`${PROTOCOL}|${role}|${a}|${b}|`).update(nonce).digest();
  }

  get maxFrameBytes(): number {
    return this.opts.maxFrameBytes ?? 64 * 1024 * 1024;
  }

  get maxAppMessageBytes(): number {
    return this.opts.maxAppMessageBytes ?? 64 * 1024;
  }

  /** An inbound connection: challenge it, then take its messages. */
  private accept(socket: Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    if (this.pendingHandshakes >= MAX_PENDING_HANDSHAKES) {
      this.refuse(socket, `more than ${MAX_PENDING_HANDSHAKES} connections in their handshake`);
      return;
    }
    this.pendingHandshakes++;
    let pending = true;
    const settle = (): void => {
      if (pending) this.pendingHandshakes--;
      pending = false;
    };
    this.inbound.add(socket);
    socket.setNoDelay(true);
    const nonce = randomBytes(32);
    let peer: NodeId | undefined;
    const timer = setTimeout(() => this.refuse(socket, 'no handshake within 5 s'), 5000);
    socket.on('close', () => {
      clearTimeout(timer);
      settle();
      this.inbound.delete(socket);
    });
    socket.on('error', () => socket.destroy());
    readFrames(socket, () => (peer === undefined ? HANDSHAKE_FRAME_BYTES : this.maxFrameBytes), (frame) => {
      if (peer === undefined) {
        const hello = parseJson(frame);
        const mac = typeof hello?.mac === 'string' ? Buffer.from(hello.mac, 'hex') : Buffer.alloc(0);
        const id = typeof hello?.id === 'string' ? hello.id : '';
        const expected = this.mac('client', id, this.opts.id, nonce);
        if (id === '' || mac.length !== expected.length || !timingSafeEqual(mac, expected) || typeof hello?.nonce !== 'string') {
          this.refuse(socket, `peer '${id}' failed the cluster-secret challenge`);
          return false;
        }
        clearTimeout(timer);
        settle();
        peer = id;
        // The peer has just dialled us, so it is up: our own dial to it, if waiting out a
        // backoff (it was down or cut off), goes now rather than up to reconnectMaxMs later.
        this.peers.get(id)?.wake();
        const listen = hello.listen as { host?: unknown; port?: unknown } | undefined;
        if (typeof listen?.host === 'string' && typeof listen.port === 'number') this.opts.onPeerAddress?.(id, { host: listen.host, port: listen.port });
        this.opts.onPeerLogVersion?.(id, logVersionOf(hello.logVersion));
        const proof = this.mac('server', this.opts.id, id, Buffer.from(hello.nonce, 'hex'));
        socket.write(jsonFrame({ mac: proof.toString('hex') }));
        return true;
      }
      if (isAppMessage(frame)) {
        this.receiveApp(peer, frame);
        return true;
      }
      let m: Message;
      try {
        m = decodeMessage(frame);
      } catch (e) {
        this.refuse(socket, `bad frame from ${peer}: ${e instanceof CodecError ? e.message : String(e)}`);
        return false;
      }
      if (m.from !== peer || m.to !== this.opts.id) {
        this.refuse(socket, `${peer} sent a message claiming to be from ${m.from} to ${m.to}`);
        return false;
      }
      this.stats.received++;
      this.opts.onMessage(m);
      return true;
    }, (why) => this.refuse(socket, why));
    socket.write(jsonFrame({ protocol: PROTOCOL, id: this.opts.id, nonce: nonce.toString('hex'), appMessages: APP_MESSAGES }));
  }

  /**
   * An application message from an authenticated peer. One that is too large or malformed is
   * dropped, not fatal: the connection carries Raft too, and a peer of another version may
   * differ in what it sends.
   */
  private receiveApp(peer: NodeId, frame: Buffer): void {
    let app;
    try {
      app = decodeAppMessage(frame);
    } catch (e) {
      this.stats.appIgnored++;
      this.logger.warn(`raft transport ${this.opts.id}: dropped an application message from ${peer}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (app.payload.length > this.maxAppMessageBytes) {
      this.stats.appIgnored++;
      this.logger.warn(`raft transport ${this.opts.id}: dropped an application message of ${app.payload.length} bytes on ${app.channel} from ${peer}`);
      return;
    }
    this.stats.appReceived++;
    this.opts.onAppMessage?.(peer, app.channel, app.payload);
  }

  private refuse(socket: Socket, why: string): void {
    this.stats.rejected++;
    this.logger.warn(`raft transport ${this.opts.id}: closed a connection: ${why}`);
    socket.destroy();
  }
}
