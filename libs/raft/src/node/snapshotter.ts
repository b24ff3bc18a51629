import type { Logger, NodeId, SnapshotMeta } from '../core/types';
import type { DiskStorage } from '../storage/disk-storage';
import type { StateMachine, SnapshotSteps } from './types';

/** How long one step of a snapshot taken in steps may hold the event loop, ms. */
const SNAPSHOT_SLICE_MS = 4;
/** Bytes of a snapshot framed per step of the copy (a few ms at most). */
const FRAME_SLICE_BYTES = 4 << 20;

/** What the snapshotter needs of its node. */
export interface SnapshotHost {
  readonly id: NodeId;
  readonly logger: Logger;
  readonly stateMachine: StateMachine;
  /** The node's storage (opened by start, after the snapshotter is made). */
  storage(): DiskStorage;
  /** The last index applied. */
  applied(): number;
  /** The node's own replicated state (its directory), which a snapshot carries before the machine's. */
  head(): Buffer;
  /** The core's metadata for a snapshot at `index`, with no side effects (RaftCore.snapshotMeta). */
  meta(index: number): SnapshotMeta | undefined;
  /** The snapshot at `index` is on disk: the core may compact behind it (RaftCore.snapshotCreated). */
  created(index: number): SnapshotMeta | undefined;
  stopping(): boolean;
  /** Runs the node's Ready loop again (a compaction is due). */
  schedule(): void;
}

/**
 * When a node snapshots and how: every `every` applied entries, once those entries hold `ratio`
 * times the last snapshot's bytes (RaftNodeOptions.snapshotEvery and snapshotLogRatio), taken
 * in one turn, or in steps for a machine with beginSnapshot — encoded and framed a slice at a
 * time, then written off the event loop, and only once it is on disk does the core hear of it.
 */
export class Snapshotter {
  /** A snapshot being taken in steps, as of applied `index`, and then written. */
  private job: Job | undefined;
  /** The index of the newest snapshot here (taken or restored; 0: none). */
  private last = 0;
  /** The bytes of every entry applied since start, when the last snapshot was taken, and that snapshot's size. */
  private appliedBytes = 0;
  private appliedBytesAtLast = 0;
  private lastBytes = 0;

  constructor(
    private readonly host: SnapshotHost,
    private readonly every: number,
    private readonly ratio: number,
  ) {
    if (!Number.isFinite(ratio) || ratio < 0) throw new RangeError(`RaftNode ${host.id}: snapshotLogRatio must be a number of at least 0 (0: snapshot by entry count alone), not ${ratio}`);
  }

  /** The index of the newest snapshot on this node's disk (0: none). */
  get lastIndex(): number {
    return this.last;
  }

  /** An entry of `bytes` was applied. */
  counted(bytes: number): void {
    this.appliedBytes += bytes;
  }

  /** The state was replaced by a snapshot as of `index` of `bytes` (from disk, or the leader's). */
  restored(index: number, bytes: number): void {
    this.done(index, this.appliedBytes, bytes);
  }

  /** Takes a snapshot if one is due. */
  maybe(): void {
    if (this.job !== undefined || !this.due()) return;
    const h = this.host;
    const index = h.applied();
    const sm = h.stateMachine;
    if (sm.beginSnapshot !== undefined) {
      const job: Job = { index, bytesAt: this.appliedBytes, head: h.head(), steps: sm.beginSnapshot() };
      this.job = job;
      setImmediate(() => this.step(job));
      return;
    }
    const meta = h.created(index);
    if (meta === undefined) return;
    const frame = frameSnapshot(h.head(), [sm.snapshot()]);
    frame.copy(Infinity);
    h.storage().saveSnapshot({ meta, data: frame.out });
    this.done(meta.index, this.appliedBytes, frame.out.length);
  }

  /** A snapshot being taken in steps and not yet being written is dropped (a snapshot from the leader replaced the state it was of, or the node stops). */
  abandon(): void {
    const job = this.job;
    if (job === undefined || job.written !== undefined) return;
    job.steps.end();
    this.job = undefined;
  }

  /** Once the snapshot being written, if any, is on disk or has failed. */
  async settled(): Promise<void> {
    await this.job?.written?.catch(() => undefined);
  }

  /** snapshotEvery entries since the last snapshot, holding snapshotLogRatio times its bytes. */
  private due(): boolean {
    return this.host.applied() - this.last >= this.every && this.appliedBytes - this.appliedBytesAtLast >= this.ratio * this.lastBytes;
  }

  /** The state as of `index` is in a snapshot of `bytes`: the next one is counted from it. */
  private done(index: number, bytesAt: number, bytes: number): void {
    this.last = Math.max(this.last, index);
    this.appliedBytesAtLast = bytesAt;
    this.lastBytes = bytes;
  }

  /**
   * Takes the snapshot begun by `maybe` a slice at a time, the event loop free in between
   * (Readies, messages and client requests go on), then writes it off the event loop. A job
   * abandoned meanwhile is stepped no further; one begun after it has its own chain of steps.
   */
  private step(job: Job): void {
    const h = this.host;
    if (job !== this.job || job.written !== undefined || h.stopping()) return;
    const until = performance.now() + SNAPSHOT_SLICE_MS;
    const later = (): void => void setImmediate(() => this.step(job));
    while (job.frame === undefined && !job.steps.step(8)) {
      if (performance.now() >= until) return later();
    }
    // Framed a slice at a time too: copying tens of megabytes at once holds the loop for tens of ms.
    const frame = (job.frame ??= frameSnapshot(job.head, job.steps.result()));
    while (!frame.copy(FRAME_SLICE_BYTES)) {
      if (performance.now() >= until) return later();
    }
    const data = frame.out;
    job.steps.end();
    const meta = h.meta(job.index);
    if (meta === undefined) {
      this.job = undefined;
      return;
    }
    job.written = h.storage().saveSnapshotAsync({ meta, data }).then(
      () => {
        if (this.job === job) this.job = undefined;
        if (h.stopping() || h.created(job.index) === undefined) return;
        this.done(job.index, job.bytesAt, data.length);
        h.schedule();
      },
      (e: unknown) => {
        // The log is intact and nothing acknowledged depends on a snapshot: the node goes on,
        // and tries again once as many entries have come again. (A disk that cannot take the
        // log's writes stops the node there.)
        if (this.job === job) this.job = undefined;
        // Unless a snapshot installed from the leader meanwhile is newer: that one counts.
        if (job.index >= this.last) this.done(job.index, job.bytesAt, data.length);
        h.logger.warn(`${h.id}: writing the snapshot at index ${job.index} failed; the log is kept whole and the next snapshot is tried after ${this.every} more entries (holding ${this.ratio} × its ${data.length} bytes): ${e instanceof Error ? e.message : String(e)}`);
      },
    );
  }
}

interface Job {
  index: number;
  bytesAt: number;
  head: Buffer;
  steps: SnapshotSteps;
  frame?: ReturnType<typeof frameSnapshot>;
  written?: Promise<void>;
}

/**
 * A snapshot file's state: [length u32][the node's own state (directory) JSON][the state
 * machine's bytes, its pieces joined], the pieces copied in by `copy(n)` about n bytes at a
 * time (true once all are).
 */
function frameSnapshot(head: Buffer, app: readonly Uint8Array[]): { out: Uint8Array; copy(bytes: number): boolean } {
  const out = Buffer.allocUnsafe(4 + head.length + app.reduce((n, p) => n + p.length, 0));
  out.writeUInt32LE(head.length, 0);
  head.copy(out, 4);
  let at = 4 + head.length;
  let part = 0;
  let offset = 0; // into app[part]
  return {
    out,
    copy(bytes) {
      for (let budget = bytes; part < app.length && budget > 0; ) {
        const p = app[part]!;
        const n = Math.min(p.length - offset, budget);
        out.set(p.subarray(offset, offset + n), at);
        at += n;
        budget -= n;
        offset += n;
        if (offset === p.length) {
          part++;
          offset = 0;
        }
      }
      return part === app.length;
    },
  };
}

/** A snapshot's two parts, as frameSnapshot wrote them: the node's own state (JSON) and the machine's bytes. */
export function unframeSnapshot(data: Uint8Array): { head: unknown; app: Uint8Array } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const len = buf.readUInt32LE(0);
  return { head: JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as unknown, app: buf.subarray(4 + len) };
}
