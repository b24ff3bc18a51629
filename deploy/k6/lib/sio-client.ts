import { decodeFrame, encodeConnect, encodeEvent, encodePong, type OpenPacket } from './socketio';

/**
 * A Socket.IO client over any websocket: the caller opens the socket, feeds every text frame to
 * `receive`, and tells `closed` when it closes. No IO, timer or clock of its own, so the same
 * code runs under k6 (k6/websockets) and Node (ws) — the Node tests prove what k6 will speak.
 */
export interface FrameSink {
  send(text: string): void;
  close(): void;
}

export type SioState = 'opening' | 'connecting' | 'connected' | 'closed';

type Listener = (...args: unknown[]) => void;

export class SocketIoClosed extends Error {
  constructor(readonly why: string) {
    super(`the Socket.IO connection closed: ${why}`);
    this.name = 'SocketIoClosed';
  }
}

export class SioClient {
  state: SioState = 'opening';
  open: OpenPacket | undefined;
  /** The Socket.IO session id the server gave (not the Engine.IO one). */
  sid: string | undefined;
  /** Frames this client could not read, for a test's or a check's message. */
  readonly unreadable: string[] = [];
  /** Resolves once the server accepted the connect (`40{"sid"}`); rejects on `44` or a close. */
  readonly connected: Promise<string>;
  private settleConnect!: { resolve: (sid: string) => void; reject: (e: Error) => void };
  private nextAckId = 0;
  private readonly pending = new Map<number, { resolve: (args: unknown[]) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<string, Listener[]>();

  /** `auth` goes in the connect packet: Rookery's `Handshake` (`{ session, seats }`). */
  constructor(
    private readonly sink: FrameSink,
    private readonly auth: object,
  ) {
    this.connected = new Promise<string>((resolve, reject) => (this.settleConnect = { resolve, reject }));
    // A caller that never awaits `connected` must not crash the process on a refused connect.
    this.connected.catch(() => undefined);
  }

  /** Every text frame the websocket receives. */
  receive(text: string): void {
    const f = decodeFrame(text);
    switch (f.kind) {
      case 'open':
        // Engine.IO is open: join the main namespace with the handshake's auth.
        this.open = f;
        this.state = 'connecting';
        this.sink.send(encodeConnect(this.auth));
        return;
      case 'ping':
        // Engine.IO v4: the server pings, the client answers; no answer within pingTimeout closes.
        this.sink.send(encodePong(f.data));
        return;
      case 'connect': {
        const d = f.data as { sid?: unknown } | undefined;
        this.sid = typeof d?.sid === 'string' ? d.sid : '';
        this.state = 'connected';
        this.settleConnect.resolve(this.sid);
        return;
      }
      case 'connect_error':
        this.fail(`connect refused: ${f.message}`);
        return;
      case 'disconnect':
      case 'close':
        this.fail('the server disconnected');
        return;
      case 'ack': {
        const p = this.pending.get(f.ackId);
        if (p === undefined) return void this.unreadable.push(`an ack nobody waits for: ${text.slice(0, 80)}`);
        this.pending.delete(f.ackId);
        p.resolve(f.args);
        return;
      }
      case 'event':
        for (const l of this.listeners.get(f.name) ?? []) l(...f.args);
        return;
      case 'invalid':
        this.unreadable.push(f.reason);
        return;
      default:
        return;
    }
  }

  /** The websocket closed (by either side): whatever waits is refused. */
  closed(why = 'the websocket closed'): void {
    this.fail(why);
  }

  on(event: string, listener: Listener): void {
    const ls = this.listeners.get(event) ?? [];
    ls.push(listener);
    this.listeners.set(event, ls);
  }

  /** Emits an event asking for an ack; resolves with the ack's first argument. */
  request<T>(event: string, payload: unknown): Promise<T> {
    if (this.state !== 'connected') return Promise.reject(new SocketIoClosed(`${event} sent while ${this.state}`));
    const id = this.nextAckId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (args) => resolve(args[0] as T), reject });
      this.sink.send(encodeEvent(event, [payload], id));
    });
  }

  close(): void {
    this.fail('closed by the client');
    this.sink.close();
  }

  private fail(why: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const e = new SocketIoClosed(why);
    this.settleConnect.reject(e);
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
