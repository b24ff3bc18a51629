import type { Snapshot, SnapshotChunk, SnapshotMeta } from './types';

/** What a follower answers to one snapshot chunk. */
export type ChunkOutcome =
  /** Taken (or already held): the next byte expected. */
  | { readonly kind: 'ack'; readonly offset: number }
  /** Out of order: the byte expected instead. */
  | { readonly kind: 'gap'; readonly offset: number }
  /** The last chunk: the whole snapshot. */
  | { readonly kind: 'complete'; readonly snapshot: Snapshot };

/**
 * A follower's side of InstallSnapshot: chunks of one snapshot from one leader's term are
 * taken in order; a chunk of another snapshot at offset 0 starts over.
 */
export class SnapshotReceiver {
  private incoming: { term: number; meta: SnapshotMeta; parts: Uint8Array[]; received: number } | undefined;

  reset(): void {
    this.incoming = undefined;
  }

  receive(term: number, chunk: SnapshotChunk): ChunkOutcome {
    const { meta } = chunk;
    let inc = this.incoming;
    const matches = inc !== undefined && inc.meta.index === meta.index && inc.meta.term === meta.term;
    if (chunk.offset === 0 && (!matches || inc!.term !== term)) {
      inc = this.incoming = { term, meta, parts: [], received: 0 };
    } else if (!matches) {
      return { kind: 'gap', offset: 0 };
    }
    // A chunk we hold already (resent after a lost answer): say how far we are.
    if (chunk.offset < inc!.received) return { kind: 'ack', offset: inc!.received };
    if (chunk.offset > inc!.received) return { kind: 'gap', offset: inc!.received };
    inc!.parts.push(chunk.data.slice());
    inc!.received += chunk.data.length;
    if (!chunk.last) return { kind: 'ack', offset: inc!.received };
    this.incoming = undefined;
    const data = new Uint8Array(inc!.received);
    let at = 0;
    for (const p of inc!.parts) {
      data.set(p, at);
      at += p.length;
    }
    return { kind: 'complete', snapshot: { meta, data } };
  }
}
