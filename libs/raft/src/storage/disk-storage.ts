import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fdatasync, fdatasyncSync, mkdirSync, openSync, readFileSync, renameSync, write as fsWrite } from 'node:fs';
import { join } from 'node:path';
import { invariant } from '../core/errors';
import type { LogStorage } from '../core/storage';
import { EMPTY_HARD_STATE, type Entry, type HardState, type Snapshot } from '../core/types';
import { StorageCorruptionError } from './errors';
import { encodeEntry, encodeHardState, encodeSnapshotMark, RecordType, type WalRecord } from './records';
import { Segments, writeFully } from './segments';
import { fsyncDir, pruneSnapshots, readNewestSnapshot, removeLeftovers, writeSnapshotFile, writeSnapshotFileAsync } from './snapshot-file';


export interface DiskStorageOptions {
  /** A segment is closed and a new one started once it passes this size. */
  readonly segmentBytes?: number;
  /** Payloads of this many most recent entries stay in memory; older ones are read from disk. */
  readonly cacheEntries?: number;
}

/** What one Ready asks to persist. */
export interface PersistBatch {
  readonly hardState?: HardState | undefined;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot | undefined;
  /**
   * fdatasync the write (Ready.mustSync). A batch of only a new commit index need not be: a
   * lower commit after a power loss is learned again from the leader. Default true.
   */
  readonly sync?: boolean;
}

interface Stored {
  readonly term: number;
  readonly index: number;
  readonly type: Entry['type'];
  readonly seg: number;
  readonly pos: number;
  data: Uint8Array | undefined;
}

/**
 * A LogStorage on disk: a write-ahead log of segment files plus snapshot files.
 * - One `persist` = one write and one fdatasync (group commit): nothing a Ready hands out is
 *   acknowledged before it is durable.
 * - A conflicting append is just appended; replay applies the replacement again.
 * - Recovery truncates a torn tail of the last segment and refuses (StorageCorruptionError)
 *   any other damage, naming the file and offset.
 * - Entry payloads beyond the newest `cacheEntries` are dropped from memory and read back from
 *   their segment when a follower needs them.
 */
export class DiskStorage implements LogStorage {
  private readonly walDir: string;
  private readonly snapDir: string;
  private readonly segmentBytes: number;
  private readonly cacheEntries: number;
  /** The WAL's segment files. */
  private readonly wal: Segments;
  private hardState: HardState = EMPTY_HARD_STATE;
  private snap: Snapshot | undefined;
  /** The log: ents[i] has index offset + 1 + i; offsetTerm is the term at offset. */
  private ents: Stored[] = [];
  private offset = 0;
  private offsetTerm = 0;
  private cachedFrom = 0;
  /** What recovery did, for logs and tests. */
  readonly recovery: { truncatedFile?: string; truncatedAt?: number } = {};
  private identity = '';

  private constructor(
    readonly dir: string,
    opts: DiskStorageOptions,
  ) {
    this.walDir = join(dir, 'wal');
    this.snapDir = join(dir, 'snap');
    this.segmentBytes = opts.segmentBytes ?? 64 * 1024 * 1024;
    this.cacheEntries = opts.cacheEntries ?? 10_000;
    this.wal = new Segments(this.walDir);
  }

  /** Opens (creating if needed) the storage in `dir`, recovering what a crash left. */
  static open(dir: string, opts: DiskStorageOptions = {}): DiskStorage {
    const s = new DiskStorage(dir, opts);
    mkdirSync(s.walDir, { recursive: true });
    mkdirSync(s.snapDir, { recursive: true });
    s.identity = readIncarnation(dir);
    s.recover();
    return s;
  }

  /**
   * This data directory's identity: made once, when the directory is first opened, and kept in
   * it. A server asking to join names it, so the cluster can tell the server it removed (the same
   * directory, restarted) from a new one under the same id.
   */
  get incarnation(): string {
    return this.identity;
  }

  // ---- LogStorage --------------------------------------------------------------------------

  initialState(): HardState {
    return this.hardState;
  }

  snapshot(): Snapshot | undefined {
    return this.snap;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length;
  }

  term(index: number): number {
    if (index === this.offset) return this.offsetTerm;
    const e = this.ents[index - this.offset - 1];
    invariant(e !== undefined, () => `disk storage term(${index}) outside [${this.offset}, ${this.lastIndex()}]`);
    return e.term;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    invariant(lo > this.offset && hi <= this.lastIndex() + 1 && lo < hi, () => `disk storage entries(${lo}, ${hi}) outside (${this.offset}, ${this.lastIndex() + 1}]`);
    const out: Entry[] = [];
    let size = 0;
    for (let i = lo; i < hi; i++) {
      const s = this.ents[i - this.offset - 1]!;
      const data = s.data ?? this.wal.readData(s);
      size += data.length;
      if (out.length > 0 && size > maxBytes) break;
      out.push({ term: s.term, index: s.index, type: s.type, data });
    }
    return out;
  }

  // ---- writes ------------------------------------------------------------------------------

  /**
   * Persists one Ready: a snapshot from the leader first (its own file, then a mark in the
   * WAL), then the entries and the hard state, in one write and one fdatasync.
   */
  persist(batch: PersistBatch): void {
    const w = this.prepare(batch);
    if (w === undefined) return;
    writeFully(w.fd, w.buf, w.at);
    if (batch.sync ?? true) fdatasyncSync(w.fd);
  }

  /**
   * As `persist`, but the write and the fdatasync run off the event loop: the promise settles
   * once the batch is durable. The log reads as if the batch were written at once; the caller
   * must not acknowledge anything in it before the promise resolves, nor persist another batch
   * meanwhile.
   */
  persistAsync(batch: PersistBatch): Promise<void> {
    const w = this.prepare(batch);
    if (w === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err: Error | null): void => {
        if (err) return reject(err);
        if (!(batch.sync ?? true)) return resolve();
        fdatasync(w.fd, (err2) => (err2 ? reject(err2) : resolve()));
      };
      // A short write (a full disk) is continued, never taken for the whole.
      const writeFrom = (off: number): void => {
        fsWrite(w.fd, w.buf, off, w.buf.length - off, w.at + off, (err, n) => {
          if (err) return done(err);
          if (n === 0) return done(new Error(`short write: ${w.buf.length - off} bytes not written`));
          if (off + n < w.buf.length) writeFrom(off + n);
          else done(null);
        });
      };
      writeFrom(0);
    });
  }

  /** Applies a batch to the in-memory log and reserves its place in the current segment. */
  private prepare(batch: PersistBatch): { fd: number; buf: Buffer; at: number } | undefined {
    if (batch.snapshot !== undefined) {
      // The mark goes first (synced), then the snapshot file: a crash between the two leaves a
      // mark without a file, which recovery reads as an install that never happened.
      const { index, term } = batch.snapshot.meta;
      const mark = this.wal.reserve([encodeSnapshotMark(index, term)]);
      writeFully(mark.fd, mark.buf, mark.at);
      fdatasyncSync(mark.fd);
      writeSnapshotFile(this.snapDir, batch.snapshot);
      pruneSnapshots(this.snapDir, 2);
      this.snap = batch.snapshot;
      this.resetTo(index, term);
    }
    if (batch.entries.length === 0 && batch.hardState === undefined) return undefined;
    const parts: Buffer[] = [];
    let seg = this.wal.current();
    if (seg.size >= this.segmentBytes) seg = this.wal.start(this.hardState);
    let pos = seg.size;
    for (const e of batch.entries) {
      const rec = encodeEntry(e);
      this.appendStored(e, seg.seq, pos);
      parts.push(rec);
      pos += rec.length;
      if (e.index > seg.lastIndex) seg.lastIndex = e.index;
    }
    if (batch.hardState !== undefined) {
      parts.push(encodeHardState(batch.hardState));
      this.hardState = batch.hardState;
    }
    this.evict();
    return this.wal.reserve(parts);
  }

  /** Stores a snapshot the runtime made of its state machine (the log is left as it is). */
  saveSnapshot(snap: Snapshot): void {
    invariant(snap.meta.index >= this.offset && snap.meta.index <= this.lastIndex(), () => `snapshot at ${snap.meta.index} outside the stored log [${this.offset}, ${this.lastIndex()}]`);
    writeSnapshotFile(this.snapDir, snap);
    pruneSnapshots(this.snapDir, 2);
    this.snap = snap;
  }

  /**
   * saveSnapshot without holding the event loop (see writeSnapshotFileAsync); entries may be
   * appended meanwhile. A snapshot older than the stored one when the write ends (one installed
   * from the leader meanwhile) is written but not taken as the stored one.
   */
  async saveSnapshotAsync(snap: Snapshot): Promise<void> {
    invariant(snap.meta.index >= this.offset && snap.meta.index <= this.lastIndex(), () => `snapshot at ${snap.meta.index} outside the stored log [${this.offset}, ${this.lastIndex()}]`);
    await writeSnapshotFileAsync(this.snapDir, snap);
    if (this.snap !== undefined && this.snap.meta.index >= snap.meta.index) return;
    pruneSnapshots(this.snapDir, 2);
    this.snap = snap;
  }

  /** Discards entries up to `index` (covered by the stored snapshot), deleting whole segments behind it. */
  compact(index: number): void {
    if (index <= this.offset) return;
    invariant(this.snap !== undefined && index <= this.snap.meta.index, () => `compact(${index}) past the snapshot at ${this.snap?.meta.index ?? 0}`);
    this.offsetTerm = this.term(index);
    this.ents = this.ents.slice(index - this.offset);
    this.offset = index;
    this.cachedFrom = Math.max(this.cachedFrom, index + 1);
    // Only a run of the oldest segments goes, never one from the middle: replay needs every
    // record after the first kept segment (a snapshot mark may live in a segment with no entry).
    // Appends go to the newest segment, so a segment before the first remaining entry's holds
    // nothing still needed.
    const firstSeg = this.ents.length > 0 ? this.ents[0]!.seg : Infinity;
    this.wal.dropOldest(index, firstSeg);
  }

  close(): void {
    this.wal.close();
  }

  // ---- internals ---------------------------------------------------------------------------

  private appendStored(e: Entry, seg: number, pos: number): void {
    invariant(e.index > this.offset && e.index <= this.lastIndex() + 1, () => `append of ${e.index} outside (${this.offset}, ${this.lastIndex() + 1}]`);
    this.ents.length = e.index - this.offset - 1;
    this.ents.push({ term: e.term, index: e.index, type: e.type, seg, pos, data: e.data });
  }

  private resetTo(index: number, term: number): void {
    this.ents = [];
    this.offset = index;
    this.offsetTerm = term;
    this.cachedFrom = index + 1;
  }

  /** Drops payloads of all but the newest cacheEntries entries from memory. */
  private evict(): void {
    const keepFrom = this.lastIndex() - this.cacheEntries + 1;
    for (let i = Math.max(this.cachedFrom, this.offset + 1); i < keepFrom; i++) this.ents[i - this.offset - 1]!.data = undefined;
    if (keepFrom > this.cachedFrom) this.cachedFrom = keepFrom;
  }

  /** Rebuilds the log from the newest snapshot and the WAL (see the class comment). */
  private recover(): void {
    removeLeftovers(this.snapDir);
    this.snap = readNewestSnapshot(this.snapDir);
    if (this.snap !== undefined) this.resetTo(this.snap.meta.index, this.snap.meta.term);
    this.wal.recover(this.recovery, (rec, seq, pos, path) => this.replay(rec, seq, pos, path));
    if (this.markWithoutFile !== undefined) {
      const { path, pos } = this.markWithoutFile;
      this.wal.truncate(path, pos);
      this.recovery.truncatedFile = path;
      this.recovery.truncatedAt = pos;
      this.markWithoutFile = undefined;
    }
    if (this.snap !== undefined && this.ents.length > 0 && this.ents[0]!.index > this.snap.meta.index + 1) {
      throw new StorageCorruptionError(this.walDir, 0, `the log resumes at ${this.ents[0]!.index}, after the snapshot at ${this.snap.meta.index}`);
    }
    this.wal.readyForAppends(this.hardState);
    this.cachedFrom = this.offset + 1;
    this.evict();
  }

  private replay(rec: WalRecord, seq: number, pos: number, path: string): void {
    if (this.markWithoutFile !== undefined) {
      throw new StorageCorruptionError(this.markWithoutFile.path, this.markWithoutFile.pos, 'records follow a snapshot mark whose snapshot file is missing');
    }
    switch (rec.type) {
      case RecordType.HardState:
        this.hardState = rec.hardState;
        return;
      case RecordType.Snapshot: {
        const newest = this.snap?.meta.index ?? -1;
        // The mark is written (and synced) before the snapshot file: a crash in between leaves a
        // mark without a file, and nothing was acknowledged after it; the install did not happen.
        if (rec.index > newest) this.markWithoutFile = { path, pos };
        else if (rec.index === newest) this.resetTo(rec.index, rec.term);
        else this.ents = []; // replaced at rec.index; a later snapshot covers the rest
        return;
      }
      case RecordType.Entry: {
        const e = rec.entry;
        if (e.index <= this.offset) return; // covered by the snapshot
        if (e.index > this.lastIndex() + 1) throw new StorageCorruptionError(path, pos, `entry ${e.index} follows ${this.lastIndex()}: a gap in the log`);
        this.appendStored(e, seq, pos);
        return;
      }
    }
  }

  private markWithoutFile: { path: string; pos: number } | undefined;
}

/** An incarnation's form: 16 lowercase hex digits (what a join may name, what the file holds). */
export const INCARNATION = /^[0-9a-f]{16}$/;

/** The directory's incarnation file, written (temp, fsync, rename, directory fsync) if absent. */
function readIncarnation(dir: string): string {
  const path = join(dir, 'incarnation');
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8').trim();
    if (!INCARNATION.test(text)) throw new StorageCorruptionError(path, 0, `it holds ${JSON.stringify(text.slice(0, 40))}, not an incarnation (16 hex digits)`);
    return text;
  }
  const made = randomBytes(8).toString('hex');
  const fd = openSync(`${path}.tmp`, 'w');
  try {
    writeFully(fd, Buffer.from(`${made}\n`), 0);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(`${path}.tmp`, path);
  fsyncDir(dir);
  return made;
}
