/**
 * Stored state that is damaged where a crash cannot explain it (not a torn tail): the node must
 * stop rather than silently drop what it may have acknowledged. Names the file and offset.
 */
export class StorageCorruptionError extends Error {
  readonly code = 'ERR_STORAGE_CORRUPT';

  constructor(
    readonly file: string,
    readonly offset: number,
    readonly why: string,
  ) {
    super(`raft storage corrupt: ${file} at offset ${offset}: ${why}; refusing to start (committed entries may be at stake)`);
    this.name = 'StorageCorruptionError';
  }
}
