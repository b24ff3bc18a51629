import { crc32 } from 'node:zlib';
import type { Entry, EntryType, HardState } from '../core/types';

/**
 * The WAL's record format. Every record is
 *   [payload length u32][crc32 of the length u32][crc32 of type + payload u32][type u8][payload]
 * little-endian. The length has its own checksum, so a reader can tell a record cut short (a
 * torn write) from a damaged length that only looks like one.
 */
export const HEADER = 13;

export const enum RecordType {
  Entry = 1,
  HardState = 2,
  /** The log restarts after (index, term): a snapshot from the leader replaced it. */
  Snapshot = 3,
}

export type WalRecord =
  | { readonly type: RecordType.Entry; readonly entry: Entry }
  | { readonly type: RecordType.HardState; readonly hardState: HardState }
  | { readonly type: RecordType.Snapshot; readonly index: number; readonly term: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ENTRY_TYPES: readonly EntryType[] = ['normal', 'conf'];

function frame(type: RecordType, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(out.subarray(0, 4)), 4);
  out[12] = type;
  payload.copy(out, HEADER);
  out.writeUInt32LE(crc32(out.subarray(12)), 8);
  return out;
}

export function encodeEntry(e: Entry): Buffer {
  const p = Buffer.allocUnsafe(17 + e.data.length);
  p.writeDoubleLE(e.term, 0);
  p.writeDoubleLE(e.index, 8);
  p[16] = ENTRY_TYPES.indexOf(e.type);
  p.set(e.data, 17);
  return frame(RecordType.Entry, p);
}

export function encodeHardState(hs: HardState): Buffer {
  const vote = encoder.encode(hs.vote);
  const p = Buffer.allocUnsafe(16 + vote.length);
  p.writeDoubleLE(hs.term, 0);
  p.writeDoubleLE(hs.commit, 8);
  p.set(vote, 16);
  return frame(RecordType.HardState, p);
}

export function encodeSnapshotMark(index: number, term: number): Buffer {
  const p = Buffer.allocUnsafe(16);
  p.writeDoubleLE(index, 0);
  p.writeDoubleLE(term, 8);
  return frame(RecordType.Snapshot, p);
}

/**
 * Reads the record at `offset` of `buf`:
 * - `{ ok: true, record, end }` for a whole, intact record;
 * - `{ ok: false, torn: true }` when the bytes end before the record does (or only zeros
 *   follow): what a write cut short by a crash leaves;
 * - `{ ok: false, torn: false }` for damage a crash cannot explain. A checksum failure of the
 *   very last record (`atEnd`) may be a torn write too; the caller decides.
 */
export function decodeRecord(buf: Buffer, offset: number): { ok: true; record: WalRecord; end: number } | { ok: false; torn: boolean; atEnd: boolean; why: string } {
  if (offset + HEADER > buf.length) return { ok: false, torn: true, atEnd: true, why: 'record header cut short' };
  const len = buf.readUInt32LE(offset);
  if (crc32(buf.subarray(offset, offset + 4)) !== buf.readUInt32LE(offset + 4)) {
    const zeros = buf.subarray(offset).every((b) => b === 0);
    return { ok: false, torn: zeros, atEnd: zeros, why: 'record length damaged' };
  }
  const end = offset + HEADER + len;
  if (end > buf.length) return { ok: false, torn: true, atEnd: true, why: `record of ${len} bytes cut short` };
  const body = buf.subarray(offset + 12, end);
  if (crc32(body) !== buf.readUInt32LE(offset + 8)) return { ok: false, torn: false, atEnd: end === buf.length, why: 'checksum mismatch' };
  const type = body[0];
  const p = body.subarray(1);
  switch (type) {
    case RecordType.Entry: {
      const t = ENTRY_TYPES[p[16]!];
      if (p.length < 17 || t === undefined) return { ok: false, torn: false, atEnd: false, why: 'malformed entry record' };
      const entry: Entry = { term: p.readDoubleLE(0), index: p.readDoubleLE(8), type: t, data: new Uint8Array(p.subarray(17)) };
      return { ok: true, record: { type, entry }, end };
    }
    case RecordType.HardState:
      if (p.length < 16) return { ok: false, torn: false, atEnd: false, why: 'malformed hard state record' };
      return { ok: true, record: { type, hardState: { term: p.readDoubleLE(0), commit: p.readDoubleLE(8), vote: decoder.decode(p.subarray(16)) } }, end };
    case RecordType.Snapshot:
      if (p.length < 16) return { ok: false, torn: false, atEnd: false, why: 'malformed snapshot record' };
      return { ok: true, record: { type, index: p.readDoubleLE(0), term: p.readDoubleLE(8) }, end };
    default:
      return { ok: false, torn: false, atEnd: false, why: `unknown record type ${type}` };
  }
}
