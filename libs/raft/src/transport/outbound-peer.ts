// The sending side of a peer connection: one per peer, dialled and re-dialled with backoff,
// authenticated both ways, with a bounded queue for while it is down.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { NodeId } from '../core/types';
import { APP_MESSAGES, HANDSHAKE_FRAME_BYTES, PROTOCOL, jsonFrame, parseJson, readFrames } from './frames';
import type { PeerAddress, PeerTransport } from './transport';

/** One peer we send to: a connection that is re-dialled with backoff, and a bounded queue. */
export class OutboundPeer {
  private socket: Socket | undefined;
  private ready = false;
  /** The peer said in its challenge that it reads application messages. */
  private readsApp = false;
  private queue: Buffer[] = [];
  private queuedBytes = 0;
  private attempts = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly t: PeerTransport,
    readonly id: NodeId,
    readonly address: PeerAddress,
  ) {}

  send(frame: Buffer): void {
    const max = this.t.opts.maxQueueBytes ?? 8 * 1024 * 1024;
    if (this.ready && this.socket !== undefined) {
      if (this.socket.writableLength + frame.length > max) {
        this.t.stats.dropped++;
        return;
      }
      this.socket.write(frame);
      this.t.stats.sent++;
      return;
    }
    if (this.queuedBytes + frame.length > max) {
      this.t.stats.dropped++;
      return;
    }
    this.queue.push(frame);
    this.queuedBytes += frame.length;
  }

  /** Writes an application message's frame now, or answers false (see PeerTransport.sendApp). */
  sendApp(frame: Buffer): boolean {
    const max = this.t.opts.maxQueueBytes ?? 8 * 1024 * 1024;
    if (!this.ready || !this.readsApp || this.socket === undefined || this.socket.writableLength + frame.length > max) return false;
    this.socket.write(frame);
    return true;
  }

  connect(): void {
    if (this.closed || this.t.isStopped) return;
    const socket = connect({ host: this.address.host, port: this.address.port });
    this.socket = socket;
    socket.setNoDelay(true);
    const nonce = randomBytes(32);
    let serverId: string | undefined;
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.ready = false;
      if (this.socket === socket) this.socket = undefined;
      this.scheduleReconnect();
    });
    readFrames(socket, () => (this.ready ? this.t.maxFrameBytes : HANDSHAKE_FRAME_BYTES), (frame) => {
      const msg = parseJson(frame);
      if (serverId === undefined) {
        if (msg?.protocol !== PROTOCOL || typeof msg.id !== 'string' || typeof msg.nonce !== 'string' || msg.id !== this.id) {
          this.t.logger.warn(`raft transport ${this.t.opts.id}: ${this.address.host}:${this.address.port} is not peer ${this.id}`);
          socket.destroy();
          return false;
        }
        serverId = msg.id;
        this.readsApp = msg.appMessages === APP_MESSAGES;
        const mac = this.t.mac('client', this.t.opts.id, serverId, Buffer.from(msg.nonce, 'hex'));
        socket.write(jsonFrame({ id: this.t.opts.id, mac: mac.toString('hex'), nonce: nonce.toString('hex'), listen: this.t.bound, logVersion: this.t.opts.logVersion ?? 1 }));
        return true;
      }
      const proof = typeof msg?.mac === 'string' ? Buffer.from(msg.mac, 'hex') : Buffer.alloc(0);
      const expected = this.t.mac('server', serverId, this.t.opts.id, nonce);
      if (proof.length !== expected.length || !timingSafeEqual(proof, expected)) {
        this.t.stats.rejected++;
        this.t.logger.warn(`raft transport ${this.t.opts.id}: peer ${this.id} could not prove it holds the cluster secret`);
        socket.destroy();
        return false;
      }
      this.ready = true;
      this.attempts = 0;
      for (const f of this.queue) socket.write(f);
      this.t.stats.sent += this.queue.length;
      this.queue = [];
      this.queuedBytes = 0;
      return true;
    }, () => socket.destroy());
  }

  /** Dials at once, with the backoff reset, if a reconnect is waiting; otherwise nothing. */
  wake(): void {
    if (this.closed || this.t.isStopped || this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.attempts = 0;
    this.connect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.t.isStopped || this.timer !== undefined) return;
    const min = this.t.opts.reconnectMinMs ?? 50;
    const max = this.t.opts.reconnectMaxMs ?? 2000;
    const delay = Math.random() * Math.min(max, min * 2 ** this.attempts++);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect();
    }, delay);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.socket?.destroy();
    this.queue = [];
    this.queuedBytes = 0;
  }
}
