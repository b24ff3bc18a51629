import { LeanWs } from './lean-ws';

/**
 * A lean Socket.IO client for the load generators: Engine.IO 4 over a WebSocket only, the main
 * namespace, text packets (JSON), events and acknowledgements; no reconnection, no buffering
 * while offline, no binary attachments. It speaks the same wire protocol as socket.io-client,
 * at a fraction of its CPU per message.
 *
 * Why: the load generator shares this machine's two cores with the servers it measures. With
 * socket.io-client it used about 70–110 µs of CPU per move, taken from the servers; thousands of
 * spectators in one process were the bottleneck of the fan-out measurement, where in life each
 * spectator is its own machine. A client's cost is not what the benchmark is about, so the
 * harness spends as little as it can on it, on the Rookery side and on the bare side alike; its
 * WebSocket is lean too (lean-ws.ts).
 *
 * Packets (Engine.IO type, then Socket.IO type): `0{…}` open, `2` ping (answered `3`), `40{…}`
 * connected, `44{…}` refused, `41` disconnected, `42[id]["event",arg]` an event,
 * `43id[arg]` an acknowledgement.
 */
export class LeanSocket {
  private nextAck = 0;
  private readonly acks = new Map<number, (err: Error | null, answer?: unknown) => void>();
  private readonly handlers = new Map<string, (...args: unknown[]) => void>();
  private readonly rawHandlers = new Map<string, (array: string) => void>();
  private disconnected: ((reason: string) => void) | undefined;
  private closedBy: string | undefined;

  private ws!: LeanWs;

  private constructor() {
    // LeanSocket.connect makes one, with its WebSocket.
  }

  /** Opens a socket to `url`'s Socket.IO server with the handshake `auth`; rejects with the server's refusal. */
  static connect(url: string, auth?: object, timeoutMs = 10_000): Promise<LeanSocket> {
    const u = new URL(url);
    const s = new LeanSocket();
    return new Promise((resolve, reject) => {
      const fail = (e: Error): void => {
        clearTimeout(timer);
        s.closedBy ??= 'failed';
        s.ws.terminate();
        reject(e);
      };
      const timer = setTimeout(() => fail(new Error(`connect ${url}: no handshake within ${timeoutMs} ms`)), timeoutMs);
      s.ws = LeanWs.connect(`ws://${u.host}/socket.io/?EIO=4&transport=websocket`, {
        onclose: (error) => (s.closedBy === undefined ? fail(new Error(`connect ${url}: ${error?.message ?? 'closed before the handshake'}`)) : s.lost('transport close')),
        onmessage: (data) => {
          if (typeof data !== 'string') return;
          const text = data;
          switch (text.charCodeAt(0)) {
            case 0x30: // '0' open: join the main namespace
              s.ws.send(auth === undefined ? '40' : `40${JSON.stringify(auth)}`);
              return;
            case 0x32: // '2' ping
              s.ws.send('3');
              return;
            case 0x31: // '1' close
              s.lost('server close');
              s.ws.close();
              return;
            case 0x34: // '4' message: a Socket.IO packet
              switch (text.charCodeAt(1)) {
                case 0x30: // '40' connected
                  clearTimeout(timer);
                  s.closedBy = '';
                  resolve(s);
                  return;
                case 0x34: // '44' refused
                  fail(new Error(`connect ${url}: ${(JSON.parse(text.slice(2)) as { message?: string }).message ?? text}`));
                  return;
                case 0x31: // '41' disconnected by the server
                  s.lost('io server disconnect');
                  s.ws.close();
                  return;
                case 0x32: // '42' event
                  s.event(text);
                  return;
                case 0x33: // '43' acknowledgement
                  s.ack(text);
                  return;
              }
          }
        },
      });
    });
  }

  /** Handles event `name` (with all its arguments). One handler per event. */
  on(name: string, fn: (...args: unknown[]) => void): this {
    this.handlers.set(name, fn);
    return this;
  }

  /**
   * Handles event `name` unparsed: `fn` gets the packet's JSON array as text (the name first,
   * then the arguments). For a receiver that reads a field or two of an event that comes by the
   * thousand, where parsing all of it is a large share of the receiving process's work.
   */
  onRaw(name: string, fn: (array: string) => void): this {
    this.rawHandlers.set(name, fn);
    return this;
  }

  /** Called once when the connection is lost or closed by the server (not by `close()`). */
  onDisconnect(fn: (reason: string) => void): this {
    this.disconnected = fn;
    return this;
  }

  /** Emits `name` with `arg`; `cb` gets the answer, or an error after `timeoutMs` or on disconnection. */
  emit(name: string, arg: unknown, timeoutMs: number, cb: (err: Error | null, answer?: unknown) => void): void {
    if (this.closedBy !== '') return cb(new Error(`not connected (${this.closedBy ?? 'connecting'})`));
    const id = this.nextAck++;
    const timer = setTimeout(() => {
      this.acks.delete(id);
      cb(new Error(`${name}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    this.acks.set(id, (err, answer) => {
      clearTimeout(timer);
      cb(err, answer);
    });
    this.ws.send(`42${id}${JSON.stringify([name, arg])}`);
  }

  emitWithAck(name: string, arg: unknown, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => this.emit(name, arg, timeoutMs, (err, answer) => (err === null ? resolve(answer) : reject(err))));
  }

  /** Leaves the namespace (`41`, as socket.io-client does: the server hears why) and closes. */
  close(): void {
    if (this.closedBy === '') {
      this.closedBy = 'closed';
      this.ws.send('41');
    }
    this.failAcks('closed');
    this.ws.close();
  }

  private event(text: string): void {
    // `42` then an optional ack id (the server asks none of the load generator), then the array,
    // whose first element is the name. Only an event with a handler is parsed: the players of the
    // closed loop have none, and their games' events are most of what they receive.
    const start = arrayStart(text);
    const quote = text.indexOf('"', start + 2);
    const name = text.charCodeAt(start + 1) === 0x22 /* " */ && quote > 0 ? text.slice(start + 2, quote) : undefined;
    if (name === undefined) return;
    const raw = this.rawHandlers.get(name);
    if (raw !== undefined) return raw(text.slice(start));
    const handler = this.handlers.get(name);
    if (handler === undefined) return;
    const [, ...args] = JSON.parse(text.slice(start)) as [string, ...unknown[]];
    handler(...args);
  }

  private ack(text: string): void {
    const i = arrayStart(text);
    const id = Number(text.slice(2, i));
    const done = this.acks.get(id);
    if (done === undefined) return;
    this.acks.delete(id);
    done(null, (JSON.parse(text.slice(i)) as unknown[])[0]);
  }

  private lost(reason: string): void {
    if (this.closedBy !== '') return;
    this.closedBy = reason;
    this.failAcks(reason);
    this.disconnected?.(reason);
  }

  private failAcks(reason: string): void {
    for (const done of this.acks.values()) done(new Error(`disconnected (${reason})`));
    this.acks.clear();
  }
}

/** Where a `42…`/`43…` packet's JSON array starts: after its two type digits and its ack id, if any. */
function arrayStart(text: string): number {
  let i = 2;
  while (i < text.length && text.charCodeAt(i) !== 0x5b /* [ */) i++;
  return i;
}
