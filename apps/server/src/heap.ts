import { setFlagsFromString } from 'node:v8';

/**
 * How far a node lets V8 grow its heap past what a full garbage collection left before it
 * collects in full again: 300 percent, a factor of 4. Left to itself, V8 derives the factor from
 * how fast the program allocates and collects; for a replica's heap under load that meant a
 * full collection every 4–5 s.
 *
 * Why: a replica's heap is small (30–50 MB of old space with 1,500 games in play) and grows
 * steadily as it applies entries (0.6 MB/s on a follower, 2.5 MB/s on the leader). Left to
 * V8, at 1,000 moves/s each node collected in full 2–3 times in 10 s, and the replicas did so
 * within a few hundred milliseconds of one another, since they apply the same entries. Each full
 * collection takes a CPU for about 100 ms of concurrent marking, and pauses its node 6–34 ms: on
 * this project's 2-core machine, where the three nodes share the CPUs, each of the 100 ms stalls
 * in a timeline of `npm run bench`'s 1,000/s level lined up with one. With 300 there was none in
 * the 10 s measured (see the session notes of issue 10 for the figures).
 *
 * The cost is memory: up to four times the live heap between collections (about 200 MB for the
 * 50 MB above). A node with a large live heap (many games in play) can be given less with
 * `--heap-growth-percent`; 0 leaves it to V8.
 */
export const DEFAULT_HEAP_GROWTH_PERCENT = 300;

/**
 * Sets V8's heap growth (`--heap-growing-percent`) for this process: read whenever V8 sets its
 * next full collection's threshold, so it holds from the first full collection after this call.
 * 0 leaves V8's own choice. Call once, at start.
 */
export function setHeapGrowth(percent: number): void {
  if (!Number.isSafeInteger(percent) || percent < 0) throw new RangeError(`heap growth must be a whole percentage from 0, not ${percent}`);
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
