import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';

/**
 * A lean WebSocket client (RFC 6455) for the load generators: plain `ws:` over TCP, text and
 * binary messages, fragmentation, ping and close; no extensions (no permessage-deflate), no
 * subprotocols, no TLS, no UTF-8 validation of text (it is decoded with replacement characters).
 *
 * Why: the fan-out measurement receives each move on thousands of sockets in one process that
 * shares the machine's two cores with the server it measures. Through the `ws` package, each
 * receipt goes through a stream (net.Socket's readable side), then ws's Receiver (a Writable
 * stream) and two emitters. Here each socket reads into one buffer shared by all of them
 * (`net.connect`'s `onread`, no stream and no Buffer per read) and the frame is parsed and handed
 * over in the same call. The server under test is the same either way; only the client spends less.
 */
export interface LeanWsHandlers {
  /** The handshake completed. */
  onopen?: () => void;
  /** A whole message: text as a string, binary as a Buffer (the caller's to keep). */
  onmessage?: (data: string | Buffer) => void;
  /** Once, when the connection is gone: `error` if it ended on one (handshake refused, protocol error, socket error). */
  onclose?: (error: Error | undefined, code: number | undefined) => void;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const OP_CONT = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
/** A message larger than this ends the connection (ws's default maxPayload is 100 MiB). */
const MAX_MESSAGE = 100 * 1024 * 1024;
const MAX_HANDSHAKE = 16 * 1024;

/**
 * One read buffer for every lean socket of the process (these and lean-http's): each read is
 * parsed within its callback, and what is kept is copied out.
 */
export const SHARED_READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** The Sec-WebSocket-Accept a server must answer `key` with (RFC 6455 §4.2.2). */
export function acceptFor(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** A client frame: FIN set, masked with a fresh key (RFC 6455 §5.3). */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const h = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(h + 4 + n);
  frame[0] = 0x80 | opcode;
  if (h === 2) frame[1] = 0x80 | n;
  else if (h === 4) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    frame.writeUInt32BE(n >>> 0, 6);
  }
  randomFillSync(frame, h, 4);
  for (let i = 0; i < n; i++) frame[h + 4 + i] = payload[i]! ^ frame[h + (i & 3)]!;
  return frame;
}

export class LeanWs {
  private readonly socket: Socket;
  private readonly key = randomBytes(16).toString('base64');
  private open = false;
  private closeSent = false;
  private ended = false;
  private error: Error | undefined;
  private closeCode: number | undefined;
  /** Bytes of an incomplete handshake response or frame, copied out of the shared buffer. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** How many bytes the pending data must reach before it can be parsed further. */
  private need = 0;
  /** The fragments of a message being received, and its opcode. */
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private fragmentOp = 0;

  private constructor(
    host: string,
    port: number,
    private readonly path: string,
    private readonly h: LeanWsHandlers,
  ) {
    this.socket = netConnect({ host, port, noDelay: true, onread: { buffer: SHARED_READ_BUFFER, callback: (n: number, buf: Buffer) => this.read(buf, n) } });
    this.socket.on('connect', () =>
      this.socket.write(`GET ${this.path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${this.key}\r\nSec-WebSocket-Version: 13\r\n\r\n`),
    );
    this.socket.on('error', (e) => (this.error ??= e));
    this.socket.on('close', () => this.closed());
  }

  /** Connects to `url` (`ws:` or `http:`, host, port, path and query). */
  static connect(url: string, handlers: LeanWsHandlers): LeanWs {
    const u = new URL(url);
    if (u.protocol !== 'ws:' && u.protocol !== 'http:') throw new Error(`lean-ws: ${u.protocol} is not supported, only ws: (no TLS)`);
    return new LeanWs(u.hostname, Number(u.port || 80), `${u.pathname}${u.search}`, handlers);
  }

  get isOpen(): boolean {
    return this.open && !this.closeSent && !this.ended;
  }

  send(data: string | Buffer): void {
    if (!this.isOpen) return;
    this.socket.write(clientFrame(typeof data === 'string' ? OP_TEXT : OP_BINARY, typeof data === 'string' ? Buffer.from(data) : data));
  }

  /** Starts the closing handshake; the socket ends once the server answers (or after `graceMs`). */
  close(code = 1000, graceMs = 1000): void {
    if (this.ended) return;
    if (!this.open) return this.terminate();
    this.sendClose(code);
    setTimeout(() => this.terminate(), graceMs).unref();
  }

  terminate(): void {
    this.socket.destroy();
  }

  private sendClose(code: number): void {
    if (this.closeSent) return;
    this.closeSent = true;
    const body = Buffer.allocUnsafe(2);
    body.writeUInt16BE(code, 0);
    this.socket.write(clientFrame(OP_CLOSE, body));
  }

  private fail(message: string): void {
    this.error ??= new Error(`lean-ws: ${message}`);
    this.socket.destroy();
  }

  private closed(): void {
    if (this.ended) return;
    this.ended = true;
    this.h.onclose?.(this.error ?? (this.open ? undefined : new Error('lean-ws: closed before the handshake')), this.closeCode);
  }

  /** `buf[0..n)` is this read, in the shared buffer: parsed now, the rest copied out. */
  private read(buf: Buffer, n: number): boolean {
    if (this.ended) return false;
    let data = buf.subarray(0, n);
    if (this.pendingBytes > 0) {
      this.pending.push(Buffer.from(data));
      this.pendingBytes += n;
      if (this.pendingBytes < this.need) return true;
      data = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const used = this.open ? this.frames(data) : this.handshake(data);
    if (used < data.length && !this.socket.destroyed) {
      this.pending = [Buffer.from(data.subarray(used))];
      this.pendingBytes = data.length - used;
    }
    return true;
  }

  /** Reads the server's answer to the upgrade; returns the bytes used (0 while incomplete). */
  private handshake(data: Buffer): number {
    const end = data.indexOf('\r\n\r\n');
    if (end < 0) {
      if (data.length > MAX_HANDSHAKE) this.fail(`handshake response over ${MAX_HANDSHAKE} bytes`);
      this.need = data.length + 1;
      return 0;
    }
    const lines = data.toString('latin1', 0, end).split('\r\n');
    const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0]!)?.[1];
    if (status !== '101') {
      this.fail(`unexpected server response: ${status ?? lines[0]}`);
      return data.length;
    }
    const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    if (headers.get('upgrade')?.toLowerCase() !== 'websocket') {
      this.fail('the server did not upgrade to websocket');
      return data.length;
    }
    if (headers.get('sec-websocket-accept') !== acceptFor(this.key)) {
      this.fail('invalid Sec-WebSocket-Accept');
      return data.length;
    }
    if (headers.has('sec-websocket-extensions')) {
      this.fail(`the server chose extensions never asked for: ${headers.get('sec-websocket-extensions')}`);
      return data.length;
    }
    this.open = true;
    this.h.onopen?.();
    const at = end + 4;
    return at + (this.ended || this.socket.destroyed ? 0 : this.frames(data.subarray(at)));
  }

  /** Parses and delivers every whole frame in `data`; returns the bytes used. */
  private frames(data: Buffer): number {
    let off = 0;
    for (;;) {
      const avail = data.length - off;
      if (avail < 2) return this.short(2, off);
      const b0 = data[off]!;
      const b1 = data[off + 1]!;
      if ((b1 & 0x80) !== 0) {
        this.fail('the server masked a frame');
        return data.length;
      }
      if ((b0 & 0x70) !== 0) {
        this.fail('a frame with RSV bits set, and no extension');
        return data.length;
      }
      let len = b1 & 0x7f;
      let h = 2;
      if (len === 126) {
        h = 4;
        if (avail < h) return this.short(h, off);
        len = data.readUInt16BE(off + 2);
      } else if (len === 127) {
        h = 10;
        if (avail < h) return this.short(h, off);
        const high = data.readUInt32BE(off + 2);
        if (high > 0) {
          this.fail('a frame of 4 GiB or more');
          return data.length;
        }
        len = data.readUInt32BE(off + 6);
      }
      if (len > MAX_MESSAGE) {
        this.fail(`a frame of ${len} bytes, over ${MAX_MESSAGE}`);
        return data.length;
      }
      if (avail < h + len) return this.short(h + len, off);
      this.frame(b0, data, off + h, off + h + len);
      off += h + len;
      if (this.ended || this.socket.destroyed) return data.length;
    }
  }

  /** The frame at `off` is incomplete until `bytes` of it are here: parse no further for now. */
  private short(bytes: number, off: number): number {
    this.need = bytes;
    return off;
  }

  private frame(b0: number, data: Buffer, start: number, end: number): void {
    const fin = (b0 & 0x80) !== 0;
    const op = b0 & 0x0f;
    if (op >= 0x8) {
      if (!fin || end - start > 125) return this.fail(`a control frame (opcode ${op}) fragmented or over 125 bytes`);
      if (op === OP_PING) {
        if (!this.closeSent) this.socket.write(clientFrame(OP_PONG, Buffer.from(data.subarray(start, end))));
      } else if (op === OP_CLOSE) {
        this.closeCode = end - start >= 2 ? data.readUInt16BE(start) : 1005;
        this.sendClose(end - start >= 2 ? this.closeCode : 1000);
        this.socket.end();
      } else if (op !== OP_PONG) this.fail(`unknown control opcode ${op}`);
      return;
    }
    if (op === OP_CONT) {
      if (this.fragmentOp === 0) return this.fail('a continuation frame with no message to continue');
    } else if (op === OP_TEXT || op === OP_BINARY) {
      if (this.fragmentOp !== 0) return this.fail('a new message before the last one was finished');
      if (fin) return this.deliver(op, data, start, end);
      this.fragmentOp = op;
    } else return this.fail(`unknown opcode ${op}`);
    this.fragmentBytes += end - start;
    if (this.fragmentBytes > MAX_MESSAGE) return this.fail(`a message over ${MAX_MESSAGE} bytes`);
    this.fragments.push(Buffer.from(data.subarray(start, end)));
    if (!fin) return;
    const whole = Buffer.concat(this.fragments, this.fragmentBytes);
    const kind = this.fragmentOp;
    this.fragments = [];
    this.fragmentBytes = 0;
    this.fragmentOp = 0;
    this.deliver(kind, whole, 0, whole.length);
  }

  private deliver(op: number, data: Buffer, start: number, end: number): void {
    this.h.onmessage?.(op === OP_TEXT ? data.toString('utf8', start, end) : Buffer.from(data.subarray(start, end)));
  }
}
