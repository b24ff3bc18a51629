import type { Entry, EntryType, Membership, Message, MessageType, SnapshotChunk } from '../core/types';

/**
 * The peer wire format of a Raft message: one flat binary layout for every type (numbers as
 * float64, exact up to 2^53; strings as length-prefixed UTF-8). Frames on the socket are
 * [length u32][message].
 */
const TYPES: readonly MessageType[] = [
  'MsgApp',
  'MsgAppResp',
  'MsgVote',
  'MsgVoteResp',
  'MsgPreVote',
  'MsgPreVoteResp',
  'MsgHeartbeat',
  'MsgHeartbeatResp',
  'MsgProp',
  'MsgReadIndex',
  'MsgReadIndexResp',
  'MsgSnap',
  'MsgSnapResp',
  'MsgTimeoutNow',
];
const ENTRY_TYPES: readonly EntryType[] = ['normal', 'conf'];

class Writer {
  private buf = Buffer.allocUnsafe(256);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
  u8(v: number): void {
    this.room(1);
    this.buf[this.at++] = v;
  }
  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32LE(v, this.at);
    this.at += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.buf.writeDoubleLE(v, this.at);
    this.at += 8;
  }
  bytes(b: Uint8Array): void {
    this.u32(b.length);
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }
  str(s: string): void {
    this.bytes(Buffer.from(s, 'utf8'));
  }
  strs(list: readonly string[]): void {
    this.u32(list.length);
    for (const s of list) this.str(s);
  }
  /** The frame: [length u32][bytes written]. */
  frame(): Buffer {
    const out = Buffer.allocUnsafe(4 + this.at);
    out.writeUInt32LE(this.at, 0);
    this.buf.copy(out, 4, 0, this.at);
    return out;
  }
}

export class CodecError extends Error {
  readonly code = 'ERR_BAD_FRAME';
}

class Reader {
  private at = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number): void {
    if (this.at + n > this.buf.length) throw new CodecError(`frame ends at ${this.buf.length}, needed ${this.at + n}`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.at++]!;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }
  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const v = new Uint8Array(this.buf.subarray(this.at, this.at + n));
    this.at += n;
    return v;
  }
  str(): string {
    return Buffer.from(this.bytes()).toString('utf8');
  }
  strs(): string[] {
    const n = this.u32();
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(this.str());
    return out;
  }
  done(): void {
    if (this.at !== this.buf.length) throw new CodecError(`${this.buf.length - this.at} bytes left over`);
  }
}

export function encodeMessage(m: Message): Buffer {
  const w = new Writer();
  w.u8(TYPES.indexOf(m.type));
  w.str(m.from);
  w.str(m.to);
  w.f64(m.term);
  w.f64(m.logTerm);
  w.f64(m.index);
  w.f64(m.commit);
  w.u8(m.reject ? 1 : 0);
  w.f64(m.rejectHint);
  w.str(m.context);
  w.u32(m.entries.length);
  for (const e of m.entries) {
    w.f64(e.term);
    w.f64(e.index);
    w.u8(ENTRY_TYPES.indexOf(e.type));
    w.bytes(e.data);
  }
  const c = m.snapshot;
  w.u8(c === undefined ? 0 : 1);
  if (c !== undefined) {
    w.f64(c.meta.index);
    w.f64(c.meta.term);
    w.strs(c.meta.membership.voters);
    w.strs(c.meta.membership.learners);
    w.f64(c.offset);
    w.u8(c.last ? 1 : 0);
    w.bytes(c.data);
  }
  return w.frame();
}

/** Decodes one frame's payload (without its length prefix); throws CodecError on a bad frame. */
export function decodeMessage(payload: Buffer): Message {
  const r = new Reader(payload);
  const type = TYPES[r.u8()];
  if (type === undefined) throw new CodecError('unknown message type');
  const from = r.str();
  const to = r.str();
  const term = r.f64();
  const logTerm = r.f64();
  const index = r.f64();
  const commit = r.f64();
  const reject = r.u8() === 1;
  const rejectHint = r.f64();
  const context = r.str();
  const n = r.u32();
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const eTerm = r.f64();
    const eIndex = r.f64();
    const eType = ENTRY_TYPES[r.u8()];
    if (eType === undefined) throw new CodecError('unknown entry type');
    entries.push({ term: eTerm, index: eIndex, type: eType, data: r.bytes() });
  }
  let snapshot: SnapshotChunk | undefined;
  if (r.u8() === 1) {
    const sIndex = r.f64();
    const sTerm = r.f64();
    const membership: Membership = { voters: r.strs(), learners: r.strs() };
    const offset = r.f64();
    const last = r.u8() === 1;
    snapshot = { meta: { index: sIndex, term: sTerm, membership }, offset, last, data: r.bytes() };
  }
  r.done();
  return { type, from, to, term, logTerm, index, entries, commit, reject, rejectHint, context, snapshot };
}

/**
 * An application message: what an application built on the node tells its peers outside the
 * log (presence, say — not state, so not replicated). It travels on the same authenticated
 * connection as Raft messages and opens with a byte no Raft message type has, so the receiver
 * tells the two apart; a node sends one only to a peer whose handshake said it reads them.
 *   [APP_MESSAGE u8 = 0xff][channel length u8][channel UTF-8][payload]
 */
export const APP_MESSAGE = 0xff;
/** A channel's name: 1-64 of `A-Z a-z 0-9 _ . : -`. */
export const APP_CHANNEL = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface AppMessage {
  readonly channel: string;
  readonly payload: Uint8Array;
}

/** The frame of an application message; the caller has checked the channel's name. */
export function encodeAppMessage(channel: string, payload: Uint8Array): Buffer {
  const name = Buffer.from(channel, 'utf8');
  const out = Buffer.allocUnsafe(4 + 2 + name.length + payload.length);
  out.writeUInt32LE(2 + name.length + payload.length, 0);
  out[4] = APP_MESSAGE;
  out[5] = name.length;
  name.copy(out, 6);
  out.set(payload, 6 + name.length);
  return out;
}

export function isAppMessage(payload: Buffer): boolean {
  return payload.length > 0 && payload[0] === APP_MESSAGE;
}

/** Decodes an application message's frame payload; throws CodecError when it is not one. */
export function decodeAppMessage(payload: Buffer): AppMessage {
  if (!isAppMessage(payload) || payload.length < 2 || payload.length < 2 + payload[1]!) throw new CodecError('truncated application message');
  const channel = payload.subarray(2, 2 + payload[1]!).toString('utf8');
  if (!APP_CHANNEL.test(channel)) throw new CodecError('application message on a channel with a bad name');
  return { channel, payload: new Uint8Array(payload.subarray(2 + payload[1]!)) };
}
