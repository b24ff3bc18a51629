// The write-ahead log's segment files, `wal-<seq>.log` in one directory: starting one (the hard
// state at its head), reserving room for a write, reading an entry back, deleting the oldest,
// and reading them all back at recovery. DiskStorage keeps the log their records make up.
import { closeSync, fdatasyncSync, ftruncateSync, openSync, readdirSync, readFileSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { invariant } from '../core/errors';
import type { HardState } from '../core/types';
import { StorageCorruptionError } from './errors';
import { decodeRecord, encodeHardState, HEADER, RecordType, type WalRecord } from './records';
import { fsyncDir } from './snapshot-file';

export interface Segment {
  readonly seq: number;
  readonly path: string;
  fd: number;
  size: number;
  /** The highest entry index written to it. */
  lastIndex: number;
}

/** Where entry `index`'s record is: segment `seg`, at offset `pos`. */
interface EntryPlace {
  readonly index: number;
  readonly seg: number;
  readonly pos: number;
}

const SEGMENT = /^wal-(\d{16})\.log$/;

/** The segment files, oldest first; appends go to the newest. */
export class Segments {
  private segments: Segment[] = [];

  constructor(private readonly walDir: string) {}

  current(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** A new segment opens with the hard state, so deleting older segments never loses it. */
  start(hardState: HardState): Segment {
    const prev = this.segments[this.segments.length - 1];
    // Writes that skipped their fdatasync (commit-only batches) must be durable before a newer
    // segment exists: recovery only forgives a torn tail in the last segment.
    if (prev !== undefined) fdatasyncSync(prev.fd);
    const seq = prev === undefined ? 1 : prev.seq + 1;
    const path = join(this.walDir, `wal-${String(seq).padStart(16, '0')}.log`);
    const fd = openSync(path, 'w+');
    const head = encodeHardState(hardState);
    writeFully(fd, head, 0);
    fdatasyncSync(fd);
    fsyncDir(this.walDir);
    const seg: Segment = { seq, path, fd, size: head.length, lastIndex: 0 };
    this.segments.push(seg);
    return seg;
  }

  /** The bytes of `parts` and where they go in the current segment (its size moves past them). */
  reserve(parts: Buffer[]): { fd: number; buf: Buffer; at: number } {
    const seg = this.current();
    const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    const at = seg.size;
    seg.size += buf.length;
    return { fd: seg.fd, buf, at };
  }

  /** The payload of an entry, read back from its record. */
  readData(s: EntryPlace): Uint8Array {
    const seg = this.segments.find((x) => x.seq === s.seg);
    invariant(seg !== undefined, () => `entry ${s.index} lives in segment ${s.seg}, which is gone`);
    const head = Buffer.allocUnsafe(4);
    readSync(seg.fd, head, 0, 4, s.pos);
    const rec = Buffer.allocUnsafe(HEADER + head.readUInt32LE(0));
    readSync(seg.fd, rec, 0, rec.length, s.pos);
    const r = decodeRecord(rec, 0);
    if (!r.ok || r.record.type !== RecordType.Entry || r.record.entry.index !== s.index) {
      throw new StorageCorruptionError(seg.path, s.pos, `entry ${s.index} unreadable (${r.ok ? 'wrong record' : r.why})`);
    }
    return r.record.entry.data;
  }

  /**
   * Closes and deletes the run of oldest segments (never the newest) that hold no entry past
   * `index` and come before segment `firstSeg`.
   */
  dropOldest(index: number, firstSeg: number): void {
    const keep: Segment[] = [];
    let deleting = true;
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      const last = i === this.segments.length - 1;
      deleting = deleting && !last && seg.lastIndex <= index && seg.seq < firstSeg;
      if (deleting) {
        closeSync(seg.fd);
        unlinkSync(seg.path);
      } else keep.push(seg);
    }
    if (keep.length !== this.segments.length) fsyncDir(this.walDir);
    this.segments = keep;
  }

  close(): void {
    for (const s of this.segments) closeSync(s.fd);
    this.segments = [];
  }

  /**
   * Recovery: opens every segment, oldest first, handing each record to `replay` (with its
   * segment, offset and file). A torn tail of the last segment is cut off and noted in
   * `recovery`; any other damage is refused (StorageCorruptionError).
   */
  recover(recovery: { truncatedFile?: string; truncatedAt?: number }, replay: (rec: WalRecord, seq: number, pos: number, path: string) => void): void {
    const names = readdirSync(this.walDir).filter((n) => SEGMENT.test(n)).sort();
    for (let i = 0; i < names.length; i++) {
      const path = join(this.walDir, names[i]!);
      const seq = Number(SEGMENT.exec(names[i]!)![1]);
      const buf = readFileSync(path);
      const seg: Segment = { seq, path, fd: -1, size: 0, lastIndex: 0 };
      let off = 0;
      while (off < buf.length) {
        const r = decodeRecord(buf, off);
        if (!r.ok) {
          const isLast = i === names.length - 1;
          // A torn write can only be the end of the last segment: a record cut short (or a
          // last record whose checksum fails). Anything else is damage a crash cannot explain.
          if (isLast && (r.torn || r.atEnd)) {
            recovery.truncatedFile = path;
            recovery.truncatedAt = off;
            const fd = openSync(path, 'r+');
            ftruncateSync(fd, off);
            fdatasyncSync(fd);
            closeSync(fd);
            break;
          }
          throw new StorageCorruptionError(path, off, r.why);
        }
        replay(r.record, seq, off, path);
        if (r.record.type === RecordType.Entry && r.record.entry.index > seg.lastIndex) seg.lastIndex = r.record.entry.index;
        off = r.end;
      }
      seg.size = off;
      seg.fd = openSync(path, 'r+');
      this.segments.push(seg);
    }
  }

  /** Cuts segment `path` back to `pos` (recovery found records there that must go). */
  truncate(path: string, pos: number): void {
    const seg = this.segments.find((x) => x.path === path)!;
    ftruncateSync(seg.fd, pos);
    fdatasyncSync(seg.fd);
    seg.size = pos;
  }

  /** After recovery: a segment to append to (a first one if there is none), its hard state at its head. */
  readyForAppends(hardState: HardState): void {
    if (this.segments.length === 0) this.start(hardState);
    else {
      // A crash while a new segment was being started can leave it empty: give it the hard
      // state header again, so deleting older segments can never lose term and vote.
      const lastSeg = this.segments[this.segments.length - 1]!;
      if (lastSeg.size === 0) {
        const head = encodeHardState(hardState);
        writeFully(lastSeg.fd, head, 0);
        fdatasyncSync(lastSeg.fd);
        lastSeg.size = head.length;
      }
    }
  }
}

/** Writes all of `buf` at `at`, continuing after short writes (a full disk fails loudly). */
export function writeFully(fd: number, buf: Buffer, at: number): void {
  for (let off = 0; off < buf.length; ) {
    const n = writeSync(fd, buf, off, buf.length - off, at + off);
    if (n === 0) throw new Error(`short write: ${buf.length - off} bytes not written`);
    off += n;
  }
}
