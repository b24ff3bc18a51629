import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Snapshot, SnapshotMeta } from '../core/types';
import { StorageCorruptionError } from './errors';

/**
 * Snapshot files: `snap-<index>-<term>.snap` holding
 *   [crc32 of the rest u32][meta length u32][meta JSON][state machine bytes]
 * written to a temporary file, fsynced, renamed into place, and the directory fsynced, so a
 * crash leaves either the old set of snapshots or the new one, never half a file.
 */
const NAME = /^snap-(\d{16})-(\d{16})\.snap$/;

export function snapshotFileName(meta: SnapshotMeta): string {
  return `snap-${String(meta.index).padStart(16, '0')}-${String(meta.term).padStart(16, '0')}.snap`;
}

export function writeSnapshotFile(dir: string, snap: Snapshot): string {
  const meta = Buffer.from(JSON.stringify(snap.meta));
  const body = Buffer.allocUnsafe(4 + meta.length + snap.data.length);
  body.writeUInt32LE(meta.length, 0);
  meta.copy(body, 4);
  body.set(snap.data, 4 + meta.length);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(crc32(body), 0);
  const final = join(dir, snapshotFileName(snap.meta));
  const tmp = `${final}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, Buffer.concat([head, body]));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, final);
  fsyncDir(dir);
  return final;
}

let asyncWrites = 0;

/** The checksum is taken this many bytes at a time, the event loop free in between. */
const CRC_SLICE = 4 * 1024 * 1024;
/** A snapshot written off the event loop is flushed to disk this many bytes at a time. */
const FLUSH_SLICE = 2 * 1024 * 1024;

/**
 * writeSnapshotFile's file, written without holding the event loop: the checksum in slices,
 * the write and its fsync on the thread pool. The same bytes, the same temp → fsync → rename →
 * directory fsync order.
 */
export async function writeSnapshotFileAsync(dir: string, snap: Snapshot): Promise<string> {
  const meta = Buffer.from(JSON.stringify(snap.meta));
  const prefix = Buffer.allocUnsafe(8 + meta.length);
  prefix.writeUInt32LE(meta.length, 4);
  meta.copy(prefix, 8);
  let crc = crc32(prefix.subarray(4));
  for (let off = 0; off < snap.data.length; off += CRC_SLICE) {
    crc = crc32(snap.data.subarray(off, off + CRC_SLICE), crc);
    await new Promise((r) => setImmediate(r));
  }
  prefix.writeUInt32LE(crc, 0);
  const final = join(dir, snapshotFileName(snap.meta));
  // Its own temporary name: the same snapshot (index and term) may be written in place meanwhile.
  const tmp = `${final}.${++asyncWrites}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    // Written and flushed a slice at a time: on ext4 an fsync of the log waits for every dirty
    // block in the journal's transaction, so a snapshot's tens of megabytes left dirty at once
    // would hold the log's next fsync (and so every commit) until they were all on disk.
    const writeAt = async (buf: Uint8Array, position: number): Promise<void> => {
      for (let done = 0; done < buf.length; ) {
        const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
        if (bytesWritten === 0) throw new Error(`short write of a snapshot file: ${buf.length - done} bytes not written`);
        done += bytesWritten;
      }
    };
    await writeAt(prefix, 0);
    for (let off = 0; off < snap.data.length; off += FLUSH_SLICE) {
      await writeAt(snap.data.subarray(off, off + FLUSH_SLICE), prefix.length + off);
      await fh.datasync();
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, final);
  fsyncDir(dir);
  return final;
}

/** The newest snapshot in `dir`, or undefined. A damaged newest snapshot is an error, not skipped. */
export function readNewestSnapshot(dir: string): Snapshot | undefined {
  const names = snapshotFiles(dir);
  const newest = names[names.length - 1];
  if (newest === undefined) return undefined;
  const path = join(dir, newest);
  const buf = readFileSync(path);
  if (buf.length < 8 || crc32(buf.subarray(4)) !== buf.readUInt32LE(0)) {
    throw new StorageCorruptionError(path, 0, 'snapshot checksum mismatch');
  }
  const metaLen = buf.readUInt32LE(4);
  if (8 + metaLen > buf.length) throw new StorageCorruptionError(path, 4, 'snapshot metadata cut short');
  const meta = JSON.parse(buf.subarray(8, 8 + metaLen).toString('utf8')) as SnapshotMeta;
  return { meta, data: new Uint8Array(buf.subarray(8 + metaLen)) };
}

/** Snapshot files in `dir`, oldest first (temporary files aside: see removeLeftovers). */
export function snapshotFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => NAME.test(n))
    .sort();
}

/**
 * Deletes temporary files a crash left behind. Only when the storage opens: later, a temporary
 * file may be a snapshot still being written off the event loop (writeSnapshotFileAsync).
 */
export function removeLeftovers(dir: string): void {
  for (const n of readdirSync(dir)) if (n.startsWith('snap-') && n.endsWith('.tmp')) unlinkSync(join(dir, n));
}

/** Keeps the newest `keep` snapshot files. */
export function pruneSnapshots(dir: string, keep: number): void {
  const names = snapshotFiles(dir);
  for (const n of names.slice(0, Math.max(0, names.length - keep))) unlinkSync(join(dir, n));
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, buf: Buffer): void {
  for (let off = 0; off < buf.length; ) {
    const n = writeSync(fd, buf, off, buf.length - off, off);
    if (n === 0) throw new Error(`short write of a snapshot file: ${buf.length - off} bytes not written`);
    off += n;
  }
}
