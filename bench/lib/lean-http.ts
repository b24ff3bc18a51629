import { connect, type Socket } from 'node:net';
import { SHARED_READ_BUFFER } from './lean-ws';

/**
 * A lean HTTP/1.1 client for the load generators' writes: POSTs over kept-alive connections to
 * one server, one request at a time per connection (no pipelining), up to `maxSockets`
 * connections; responses with a Content-Length, chunked, or ending with the connection.
 *
 * Why: at 1,000 moves/s, node:http's client (with its Agent) cost the load generator about
 * 250 µs of CPU per request on this project's 2-core machine, a quarter of a core taken from
 * the servers it measures. This one reads each connection into one buffer shared by all of
 * them (`net.connect`'s `onread`), writes a request in one call, and parses only the status
 * line and the headers a benchmark needs.
 */
export type LeanReply =
  | { kind: 'answer'; status: number; headers: Map<string, string>; body: Buffer }
  /** No answer: refused, reset or closed before the whole answer came. */
  | { kind: 'unreachable'; message: string }
  /** No whole answer within the request's timeout: its connection is closed. */
  | { kind: 'timeout'; message: string };

interface Request {
  head: string;
  body: Buffer;
  timeoutMs: number;
  done: (r: LeanReply) => void;
}

/** Idle connections older than this are closed rather than reused: node:http servers close theirs after 5 s. */
const IDLE_MS = 4000;
const MAX_HEAD = 64 * 1024;

/** One kept-alive connection and the request it is answering. */
class Connection {
  readonly socket: Socket;
  private request: Request | undefined;
  private timer: NodeJS.Timeout | undefined;
  private acc: Buffer | undefined;
  private error: Error | undefined;
  /** The answer in hand has neither a length nor chunks: it ends with the connection. */
  private untilClose = false;
  closed = false;
  idleSince = 0;

  constructor(
    host: string,
    port: number,
    private readonly released: (c: Connection) => void,
  ) {
    this.socket = connect({ host, port, noDelay: true, onread: { buffer: SHARED_READ_BUFFER, callback: (n: number, buf: Buffer) => this.read(buf, n) } });
    this.socket.on('error', (e) => (this.error ??= e));
    this.socket.on('close', () => {
      this.closed = true;
      const whole = this.untilClose && this.error === undefined ? parseResponse(this.acc!, true) : undefined;
      this.finish(whole !== undefined && !('problem' in whole) ? whole.reply : { kind: 'unreachable', message: this.error?.message ?? 'the connection closed before the whole answer' });
      this.released(this);
    });
  }

  send(r: Request): void {
    this.request = r;
    this.acc = undefined;
    this.timer = setTimeout(() => {
      this.finish({ kind: 'timeout', message: `no answer within ${r.timeoutMs} ms` });
      this.socket.destroy();
    }, r.timeoutMs);
    this.socket.write(Buffer.concat([Buffer.from(r.head, 'latin1'), r.body]));
  }

  private finish(reply: LeanReply): void {
    const r = this.request;
    if (r === undefined) return;
    this.request = undefined;
    clearTimeout(this.timer);
    r.done(reply);
  }

  /** `buf[0..n)` is this read, in the shared buffer: parsed in place, and only what is kept copied out. */
  private read(buf: Buffer, n: number): boolean {
    if (this.request === undefined) {
      this.socket.destroy(); // bytes nobody asked for
      return false;
    }
    const owned = this.acc !== undefined;
    const data = owned ? Buffer.concat([this.acc!, buf.subarray(0, n)]) : buf.subarray(0, n);
    /** `data`, owned: a view of the shared buffer is copied out. */
    const keep = (): Buffer => (owned ? data : Buffer.from(data));
    if (this.untilClose) {
      this.acc = keep();
      return true;
    }
    const parsed = parseResponse(data);
    if (parsed === undefined) {
      this.acc = keep();
      if (data.length > MAX_HEAD && data.indexOf('\r\n\r\n') < 0) this.socket.destroy(new Error(`an answer's head over ${MAX_HEAD} bytes`));
      return true;
    }
    if ('problem' in parsed) {
      this.socket.destroy(new Error(parsed.problem));
      return false;
    }
    this.acc = undefined;
    const { reply, untilClose } = parsed;
    if (untilClose) {
      this.acc = keep(); // complete at the connection's close
      this.untilClose = true;
      return true;
    }
    // The body may lie in the shared buffer, which the next read overwrites.
    this.finish({ ...reply, body: Buffer.from(reply.body) });
    if (reply.headers.get('connection')?.toLowerCase() === 'close') this.socket.destroy();
    else {
      this.idleSince = performance.now();
      this.released(this);
    }
    return true;
  }
}

/**
 * An answer parsed off `data`; undefined while incomplete. `untilClose`: it has neither a
 * length nor chunks, so its body runs to the connection's end (`ended` says it has come).
 */
export function parseResponse(data: Buffer, ended = false): { reply: Extract<LeanReply, { kind: 'answer' }>; untilClose: boolean } | { problem: string } | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = data.toString('latin1', 0, end).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]!)?.[1];
  if (status === undefined) return { problem: `not an HTTP answer: ${lines[0]!.slice(0, 80)}` };
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const colon = l.indexOf(':');
    if (colon > 0) headers.set(l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim());
  }
  const start = end + 4;
  const answer = (body: Buffer): { reply: Extract<LeanReply, { kind: 'answer' }>; untilClose: boolean } => ({ reply: { kind: 'answer', status: Number(status), headers, body }, untilClose: false });
  if (headers.get('transfer-encoding')?.toLowerCase().includes('chunked') === true) {
    const parts: Buffer[] = [];
    let at = start;
    for (;;) {
      const eol = data.indexOf('\r\n', at);
      if (eol < 0) return undefined;
      const size = parseInt(data.toString('latin1', at, eol), 16);
      if (!Number.isSafeInteger(size) || size < 0) return { problem: `a bad chunk size: ${data.toString('latin1', at, Math.min(eol, at + 20))}` };
      if (size === 0) {
        // No trailers from the servers measured: the last chunk's line, then an empty line.
        return data.length >= eol + 4 ? answer(Buffer.concat(parts)) : undefined;
      }
      if (data.length < eol + 2 + size + 2) return undefined;
      parts.push(data.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
  }
  const lengthHeader = headers.get('content-length');
  if (lengthHeader !== undefined) {
    const length = Number(lengthHeader);
    if (!Number.isSafeInteger(length) || length < 0) return { problem: `a bad content-length: ${lengthHeader}` };
    return data.length >= start + length ? answer(data.subarray(start, start + length)) : undefined;
  }
  if (status === '204' || status === '304') return answer(Buffer.alloc(0));
  return ended ? answer(data.subarray(start)) : { reply: answer(Buffer.alloc(0)).reply, untilClose: true };
}

/**
 * Kept-alive connections to one server, as many as `maxSockets`; requests beyond them wait for one.
 *
 * Idle connections are taken in turn, the longest idle first (as k6 hands iterations to its
 * free VUs), not the one just freed. Last-in-first-out, the connections a burst opened (the first
 * second of a rate) sat unused below the few a steady rate needs, past IDLE_MS; the next hiccup
 * that needed more of them then closed them all in one go and opened new ones, mid-measurement —
 * a load generator's stall on top of the server's. At 1,000 moves/s: 170 of 230 closed about
 * 6 s in, with answers held 106–273 ms, in each of three probes; 70–93 ms at most in three probes
 * taking turns, where every connection stays in use.
 */
export class LeanHttp {
  /** Idle connections, the longest idle first. */
  private readonly idle: Connection[] = [];
  private readonly waiting: Request[] = [];
  private open = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly maxSockets = 512,
  ) {}

  static for(base: string, maxSockets?: number): LeanHttp {
    const u = new URL(base);
    if (u.protocol !== 'http:') throw new Error(`lean-http: ${u.protocol} is not supported, only http:`);
    return new LeanHttp(u.hostname, Number(u.port || 80), maxSockets);
  }

  /** Connections open now (busy or idle). */
  get connections(): number {
    return this.open;
  }

  post(path: string, body: string, headers: Record<string, string | number>, timeoutMs: number): Promise<LeanReply> {
    const bytes = Buffer.from(body);
    let head = `POST ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nContent-Length: ${bytes.length}\r\n`;
    for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() !== 'content-length') head += `${k}: ${v}\r\n`;
    head += '\r\n';
    return new Promise((done) => this.dispatch({ head, body: bytes, timeoutMs, done }));
  }

  /** Closes every connection; requests in flight end unreachable. */
  close(): void {
    for (const c of this.idle.splice(0)) c.socket.destroy();
  }

  private dispatch(r: Request): void {
    const now = performance.now();
    for (let c = this.idle.shift(); c !== undefined; c = this.idle.shift()) {
      if (!c.closed && now - c.idleSince < IDLE_MS) return c.send(r);
      c.socket.destroy();
    }
    if (this.open >= this.maxSockets) {
      this.waiting.push(r);
      return;
    }
    this.open++;
    const c = new Connection(this.host, this.port, (conn) => this.released(conn));
    c.send(r);
  }

  private released(c: Connection): void {
    if (c.closed) {
      // Counted once: a closed connection is never idle again.
      const i = this.idle.indexOf(c);
      if (i >= 0) this.idle.splice(i, 1);
      this.open--;
      const next = this.waiting.shift();
      if (next !== undefined) this.dispatch(next);
      return;
    }
    const next = this.waiting.shift();
    if (next !== undefined) c.send(next);
    else this.idle.push(c);
  }
}
