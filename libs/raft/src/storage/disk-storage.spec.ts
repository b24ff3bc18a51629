import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Entry, HardState, Snapshot } from '../core/types';
import { DiskStorage } from './disk-storage';
import { StorageCorruptionError } from './errors';
import { decodeRecord } from './records';

const roots: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rookery-wal-'));
  roots.push(d);
  return d;
}
after(() => {
  for (const d of roots) rmSync(d, { recursive: true, force: true });
});

const enc = new TextEncoder();
function entry(index: number, term: number, data = `e${index}`): Entry {
  return { index, term, type: 'normal', data: enc.encode(data) };
}
function range(from: number, to: number, term: number): Entry[] {
  return Array.from({ length: to - from + 1 }, (_, i) => entry(from + i, term));
}
function all(s: DiskStorage): Entry[] {
  return s.lastIndex() >= s.firstIndex() ? s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity) : [];
}
function ids(ents: Entry[]): string[] {
  return ents.map((e) => `${e.term}/${e.index}:${new TextDecoder().decode(e.data)}`);
}
function segments(dir: string): string[] {
  return readdirSync(join(dir, 'wal')).sort().map((n) => join(dir, 'wal', n));
}
/** Offsets where each record of a segment file starts, and the file's length. */
function recordOffsets(file: string): number[] {
  const buf = readFileSync(file);
  const out: number[] = [];
  for (let off = 0; off < buf.length; ) {
    out.push(off);
    const r = decodeRecord(buf, off);
    assert.ok(r.ok, `record at ${off} of ${file}`);
    off = r.end;
  }
  out.push(buf.length);
  return out;
}

describe('DiskStorage: what is persisted is what is recovered', () => {
  it('round-trips entries and hard state, and reads evicted payloads back from disk', () => {
    const dir = tempDir();
    const s = DiskStorage.open(dir, { cacheEntries: 3 });
    s.persist({ entries: range(1, 5, 1), hardState: { term: 1, vote: 'n1', commit: 2 } });
    s.persist({ entries: range(6, 9, 2), hardState: { term: 2, vote: 'n2', commit: 7 } });
    assert.deepEqual(ids(all(s)), ids([...range(1, 5, 1), ...range(6, 9, 2)]), 'old payloads come back from disk');
    s.close();
    const r = DiskStorage.open(dir, { cacheEntries: 3 });
    assert.deepEqual(r.initialState(), { term: 2, vote: 'n2', commit: 7 });
    assert.deepEqual([r.firstIndex(), r.lastIndex(), r.term(4), r.term(9)], [1, 9, 1, 2]);
    assert.deepEqual(ids(all(r)), ids([...range(1, 5, 1), ...range(6, 9, 2)]));
    assert.deepEqual(ids(r.entries(2, 9, 5)), ids([entry(2, 1), entry(3, 1)]), "maxBytes bounds a read");
    assert.deepEqual(ids(r.entries(2, 9, 1)), ids([entry(2, 1)]), "but never below one entry");
    r.close();
  });

  it('a conflicting append replaces the suffix, now and after a restart', () => {
    const dir = tempDir();
    const s = DiskStorage.open(dir);
    s.persist({ entries: range(1, 5, 1) });
    s.persist({ entries: [entry(3, 2, 'x'), entry(4, 2, 'y')] });
    const want = ids([entry(1, 1), entry(2, 1), entry(3, 2, 'x'), entry(4, 2, 'y')]);
    assert.deepEqual(ids(all(s)), want);
    s.close();
    const r = DiskStorage.open(dir);
    assert.deepEqual(ids(all(r)), want);
    r.close();
  });

  it('rolls segments over, and compaction behind a snapshot deletes whole segments only', () => {
    const dir = tempDir();
    const s = DiskStorage.open(dir, { segmentBytes: 200 });
    for (let i = 0; i < 10; i++) s.persist({ entries: range(i * 5 + 1, i * 5 + 5, 1), hardState: { term: 1, vote: '', commit: i * 5 + 5 } });
    const before = segments(dir).length;
    assert.ok(before >= 5, `${before} segments`);
    const snap: Snapshot = { meta: { index: 30, term: 1, membership: { voters: ['n1'], learners: [] } }, data: enc.encode('state@30') };
    s.saveSnapshot(snap);
    s.compact(25);
    assert.ok(segments(dir).length < before, 'segments behind the compaction point are gone');
    assert.deepEqual([s.firstIndex(), s.term(25), s.lastIndex()], [26, 1, 50]);
    s.close();
    const r = DiskStorage.open(dir, { segmentBytes: 200 });
    assert.equal(r.snapshot()?.meta.index, 30);
    assert.deepEqual(new TextDecoder().decode(r.snapshot()!.data), 'state@30');
    assert.deepEqual([r.firstIndex(), r.lastIndex()], [31, 50], 'after a restart the log resumes right after the snapshot');
    assert.deepEqual(ids(all(r)), ids(range(31, 50, 1)));
    assert.deepEqual(r.initialState(), { term: 1, vote: '', commit: 50 }, 'the hard state survives segment deletion');
    r.close();
  });

  it('compaction never deletes a middle segment: a snapshot mark in it still cuts off the stale log after a restart', () => {
    // Found in review: stale term-1 entries 1..150 in one segment, a leader snapshot at 100 whose
    // mark sat alone in the next, then compaction to 130 deleted the mark's segment and kept the
    // stale one, so a restart brought back 131..150 of term 1.
    const dir = tempDir();
    const mem = { voters: ['n1'], learners: [] };
    let s = DiskStorage.open(dir, { segmentBytes: 1 });
    s.persist({ hardState: { term: 1, vote: 'n1', commit: 0 }, entries: range(1, 150, 1) });
    s.persist({ hardState: { term: 2, vote: '', commit: 0 }, entries: [] });
    s.persist({ snapshot: { meta: { index: 100, term: 2, membership: mem }, data: enc.encode('s100') }, hardState: { term: 2, vote: '', commit: 100 }, entries: [] });
    s.persist({ entries: range(101, 130, 2), hardState: { term: 2, vote: '', commit: 130 } });
    s.persist({ hardState: { term: 2, vote: '', commit: 130 }, entries: [] });
    s.saveSnapshot({ meta: { index: 130, term: 2, membership: mem }, data: enc.encode('s130') });
    s.compact(130);
    s.close();
    s = DiskStorage.open(dir, { segmentBytes: 1 });
    assert.deepEqual([s.firstIndex(), s.lastIndex()], [131, 130], 'the log ends at the snapshot: nothing stale comes back');
    s.close();
  });

  it('a snapshot from the leader replaces the log, and survives a restart', () => {
    const dir = tempDir();
    const s = DiskStorage.open(dir);
    s.persist({ entries: range(1, 8, 1) });
    const snap: Snapshot = { meta: { index: 20, term: 3, membership: { voters: ['n1', 'n2'], learners: [] } }, data: enc.encode('s20') };
    s.persist({ snapshot: snap, entries: [entry(21, 3)], hardState: { term: 3, vote: '', commit: 20 } });
    assert.deepEqual([s.firstIndex(), s.lastIndex(), s.term(20)], [21, 21, 3]);
    s.close();
    const r = DiskStorage.open(dir);
    assert.deepEqual([r.firstIndex(), r.lastIndex(), r.term(20), r.snapshot()?.meta.term], [21, 21, 3, 3]);
    assert.deepEqual(ids(all(r)), ids([entry(21, 3)]));
    r.close();
  });
});

/** A WAL written as batches (one Ready each); returns the dir and the state after each batch. */
function writeBatches(): { dir: string; acked: { entries: string[]; hs: HardState }[] } {
  const dir = tempDir();
  const s = DiskStorage.open(dir);
  const acked: { entries: string[]; hs: HardState }[] = [];
  const batches: { entries: Entry[]; hs: HardState }[] = [
    { entries: range(1, 3, 1), hs: { term: 1, vote: 'n1', commit: 1 } },
    { entries: range(4, 6, 1), hs: { term: 1, vote: 'n1', commit: 4 } },
    { entries: [entry(5, 2, 'r5'), entry(6, 2, 'r6'), entry(7, 2, 'r7')], hs: { term: 2, vote: 'n2', commit: 5 } },
    { entries: range(8, 9, 2), hs: { term: 2, vote: 'n2', commit: 8 } },
  ];
  for (const b of batches) {
    s.persist({ entries: b.entries, hardState: b.hs });
    acked.push({ entries: ids(all(s)), hs: b.hs });
  }
  s.close();
  return { dir, acked };
}

describe('DiskStorage crash recovery', () => {
  it('a cut at every record boundary and inside every record of the last segment recovers the whole records before it', () => {
    const { dir, acked } = writeBatches();
    const [seg] = segments(dir);
    const offsets = recordOffsets(seg!);
    const full = readFileSync(seg!);
    const cuts = new Set<number>(offsets);
    for (let i = 0; i + 1 < offsets.length; i++) for (const f of [1, 5, 9, 0.5]) cuts.add(Math.min(offsets[i + 1]! - 1, offsets[i]! + (f < 1 ? Math.floor((offsets[i + 1]! - offsets[i]!) * f) : f)));
    let checked = 0;
    for (const cut of [...cuts].sort((a, b) => a - b)) {
      const copy = tempDir();
      cpSync(dir, copy, { recursive: true });
      const file = segments(copy)[0]!;
      truncateSync(file, cut);
      const r = DiskStorage.open(copy);
      // What survives: exactly the records wholly before the cut, replayed.
      const whole = offsets.filter((o, i) => i + 1 < offsets.length && offsets[i + 1]! <= cut).length;
      const expected = replayPrefix(full, whole);
      assert.deepEqual(ids(all(r)), expected.entries, `cut at ${cut}`);
      assert.deepEqual(r.initialState(), expected.hs, `hard state, cut at ${cut}`);
      // Nothing acknowledged before the cut is lost: recovery keeps every batch that had been
      // synced in full (a later batch may already have replaced some of its entries, as Raft does).
      const ackedEnd = Math.max(0, ...acked.map((_, i) => batchEnd(full, i)).filter((end) => end <= cut));
      assert.ok((r.recovery.truncatedAt ?? Infinity) >= ackedEnd, `cut at ${cut}: recovery truncated at ${r.recovery.truncatedAt}, inside acknowledged data ending at ${ackedEnd}`);
      const lastAcked = acked.filter((_, i) => batchEnd(full, i) <= cut).at(-1);
      if (lastAcked !== undefined && whole === offsets.indexOf(ackedEnd)) assert.deepEqual(ids(all(r)), lastAcked.entries, `cut at ${cut}`);
      if (cut < full.length && !offsets.includes(cut)) assert.equal(r.recovery.truncatedAt, offsets.filter((o) => o <= cut).pop(), 'the torn record is cut off');
      // The node goes on: a new write after recovery reads back after another restart.
      r.persist({ entries: [entry(r.lastIndex() + 1, 9, 'after')], hardState: { term: 9, vote: '', commit: 0 } });
      r.close();
      const again = DiskStorage.open(copy);
      assert.equal(all(again).at(-1)?.term, 9);
      again.close();
      checked++;
    }
    assert.ok(checked > 40, `${checked} cuts`);
  });

  it('a flipped byte in a record followed by others stops the node, naming the file and offset', () => {
    const { dir } = writeBatches();
    const seg = segments(dir)[0]!;
    const offsets = recordOffsets(seg);
    for (const at of [offsets[2]! + 12, offsets[5]! + 1, offsets[7]! + 3]) {
      const copy = tempDir();
      cpSync(dir, copy, { recursive: true });
      const file = segments(copy)[0]!;
      const buf = readFileSync(file);
      buf[at] = buf[at]! ^ 0xff;
      writeFileSync(file, buf);
      const recordStart = offsets.filter((o) => o <= at).pop()!;
      assert.throws(
        () => DiskStorage.open(copy),
        (e: unknown) => e instanceof StorageCorruptionError && e.file === file && e.offset === recordStart && e.message.includes(file) && e.message.includes(`offset ${recordStart}`),
      );
    }
  });

  it('a flipped byte in an earlier segment stops the node even when the last segment is whole', () => {
    const dir = tempDir();
    const s = DiskStorage.open(dir, { segmentBytes: 150 });
    for (let i = 0; i < 8; i++) s.persist({ entries: range(i * 3 + 1, i * 3 + 3, 1), hardState: { term: 1, vote: '', commit: i * 3 } });
    s.close();
    const segs = segments(dir);
    assert.ok(segs.length >= 3);
    const first = segs[0]!;
    const buf = readFileSync(first);
    buf[buf.length - 2] = buf[buf.length - 2]! ^ 0x01;
    writeFileSync(first, buf);
    assert.throws(() => DiskStorage.open(dir), (e: unknown) => e instanceof StorageCorruptionError && e.file === first);
  });

  it('a flipped byte in the very last record reads as a torn write: that record is dropped', () => {
    const { dir, acked } = writeBatches();
    const seg = segments(dir)[0]!;
    const buf = readFileSync(seg);
    buf[buf.length - 3] = buf[buf.length - 3]! ^ 0x10;
    writeFileSync(seg, buf);
    const r = DiskStorage.open(dir);
    assert.deepEqual(ids(all(r)), acked.at(-1)!.entries, 'the last record was the hard state; every entry stays');
    assert.deepEqual(r.initialState(), acked.at(-2)!.hs);
    r.close();
  });

  it('a damaged snapshot file stops the node; a leftover temporary file is ignored', () => {
    const dir = tempDir();
    const s = DiskStorage.open(dir);
    s.persist({ entries: range(1, 4, 1) });
    s.saveSnapshot({ meta: { index: 3, term: 1, membership: { voters: ['n1'], learners: [] } }, data: enc.encode('three') });
    s.close();
    writeFileSync(join(dir, 'snap', 'snap-0000000000000009-0000000000000001.snap.tmp'), 'half a file');
    const ok = DiskStorage.open(dir);
    assert.equal(ok.snapshot()?.meta.index, 3);
    ok.close();
    const snapFile = join(dir, 'snap', readdirSync(join(dir, 'snap'))[0]!);
    const buf = readFileSync(snapFile);
    buf[buf.length - 1] = buf[buf.length - 1]! ^ 0xff;
    writeFileSync(snapFile, buf);
    assert.throws(() => DiskStorage.open(dir), (e: unknown) => e instanceof StorageCorruptionError && e.file === snapFile);
  });

  it('a snapshot written off the event loop survives a snapshot stored in place meanwhile (pruning spares its temporary file)', async () => {
    const dir = tempDir();
    const s = DiskStorage.open(dir);
    s.persist({ entries: range(1, 20, 1) });
    const membership = { voters: ['n1'], learners: [] };
    // Large enough that its checksum yields to the event loop several times.
    const big = new Uint8Array(12 * 1024 * 1024).fill(7);
    const writing = s.saveSnapshotAsync({ meta: { index: 10, term: 1, membership }, data: big });
    // Once its temporary file exists, two snapshots are stored in place (as one installed from
    // the leader is), and each prunes the directory.
    const snapDir = join(dir, 'snap');
    for (let i = 0; i < 100_000 && !readdirSync(snapDir).some((n) => n.endsWith('.tmp')); i++) await new Promise((r) => setImmediate(r));
    assert.ok(readdirSync(snapDir).some((n) => n.endsWith('.tmp')), 'the write never showed its temporary file');
    s.saveSnapshot({ meta: { index: 12, term: 1, membership }, data: enc.encode('twelve') });
    s.saveSnapshot({ meta: { index: 15, term: 1, membership }, data: enc.encode('fifteen') });
    await writing;
    assert.equal(s.snapshot()?.meta.index, 15, 'an older snapshot finishing later does not replace the stored one');
    s.close();
    const names = readdirSync(join(dir, 'snap'));
    assert.ok(names.includes('snap-0000000000000010-0000000000000001.snap'), `the async snapshot's file is there: ${names.join(', ')}`);
    assert.ok(!names.some((n) => n.endsWith('.tmp')), `no temporary file left: ${names.join(', ')}`);
    const back = DiskStorage.open(dir);
    assert.equal(back.snapshot()?.meta.index, 15);
    back.close();
  });

  it('a crash after the snapshot mark but before the snapshot file leaves the old log in place', () => {
    const dir = tempDir();
    const s = DiskStorage.open(dir);
    s.persist({ entries: range(1, 4, 1), hardState: { term: 1, vote: '', commit: 4 } });
    const seg = segments(dir)[0]!;
    const before = readFileSync(seg).length;
    s.persist({ snapshot: { meta: { index: 10, term: 2, membership: { voters: ['n1'], learners: [] } }, data: enc.encode('ten') }, entries: [] });
    s.close();
    // Undo the snapshot file, keeping the mark: the state of a crash between the two writes.
    for (const n of readdirSync(join(dir, 'snap'))) rmSync(join(dir, 'snap', n));
    assert.ok(readFileSync(seg).length > before);
    const r = DiskStorage.open(dir);
    assert.deepEqual([r.firstIndex(), r.lastIndex(), r.snapshot()], [1, 4, undefined]);
    assert.equal(readFileSync(seg).length, before, 'the orphan mark is cut off');
    r.persist({ entries: [entry(5, 1)] });
    r.close();
    assert.equal(DiskStorage.open(dir).lastIndex(), 5);
  });
});

/** Replays the first `n` records of a segment image: the state a recovery must produce. */
function replayPrefix(buf: Buffer, n: number): { entries: string[]; hs: HardState } {
  const log: Entry[] = [];
  let hs: HardState = { term: 0, vote: '', commit: 0 };
  for (let off = 0, i = 0; i < n; i++) {
    const r = decodeRecord(buf, off);
    assert.ok(r.ok);
    if (r.record.type === 1) {
      log.length = r.record.entry.index - 1;
      log.push(r.record.entry);
    } else if (r.record.type === 2) hs = r.record.hardState;
    off = r.end;
  }
  return { entries: ids(log), hs };
}

/** Where batch `i` (0-based) of writeBatches ends in the segment: each is entries + a hard state. */
function batchEnd(buf: Buffer, i: number): number {
  let seen = -1;
  for (let off = 0; off < buf.length; ) {
    const r = decodeRecord(buf, off);
    assert.ok(r.ok);
    off = r.end;
    // The segment opens with a hard state of its own; batches close with theirs.
    if (r.record.type === 2 && ++seen === i + 1) return off;
  }
  return buf.length;
}

describe('DiskStorage: the data directory has an incarnation of its own', () => {
  it('made on first open, kept across reopening, new for an empty directory', () => {
    const dir = tempDir();
    const first = DiskStorage.open(dir);
    assert.match(first.incarnation, /^[0-9a-f]{16}$/);
    first.close();
    assert.equal(readFileSync(join(dir, 'incarnation'), 'utf8'), `${first.incarnation}\n`);
    const again = DiskStorage.open(dir);
    assert.equal(again.incarnation, first.incarnation);
    again.close();
    const other = DiskStorage.open(tempDir());
    assert.notEqual(other.incarnation, first.incarnation);
    other.close();
  });

  it('a damaged incarnation file stops the open, naming the file', () => {
    const dir = tempDir();
    DiskStorage.open(dir).close();
    writeFileSync(join(dir, 'incarnation'), 'not hex\n');
    assert.throws(() => DiskStorage.open(dir), (e: unknown) => e instanceof StorageCorruptionError && e.file === join(dir, 'incarnation') && /not an incarnation/.test(e.message));
  });
});
