import { metricSeries } from '@rookery/testing';
import { metricsText } from './cluster';

const SUM = 'rookery_process_nodejs_gc_duration_seconds_sum';
const COUNT = 'rookery_process_nodejs_gc_duration_seconds_count';

/** A node's garbage collection so far, off its /metrics: ms its main thread spent collecting, and its full (major) collections. */
export interface GcTotals {
  ms: number;
  major: number;
}

/** One node's garbage collection over a stretch of time: ms per second its main thread spent collecting, and its full collections. */
export interface NodeGc {
  msPerSec: number;
  major: number;
}

/** The totals of prom-client's GC histogram (every kind's time summed; the count of kind "major"), off a /metrics text. */
export function gcTotalsOf(metrics: string): GcTotals {
  let seconds = 0;
  for (const v of metricSeries(metrics, SUM).values()) seconds += v;
  return { ms: seconds * 1000, major: metricSeries(metrics, COUNT).get('kind="major"') ?? 0 };
}

/** Each node's GC between two readings `ms` apart (the nodes in the same order in both). */
export function gcBetween(from: readonly GcTotals[], to: readonly GcTotals[], ms: number): NodeGc[] {
  return to.map((t, i) => ({ msPerSec: Math.round(((t.ms - from[i]!.ms) / Math.max(1, ms)) * 1000 * 10) / 10, major: t.major - from[i]!.major }));
}

/** Reads each node's GC totals (a node that does not answer reads as none). */
export function gcTotals(urls: readonly string[]): Promise<GcTotals[]> {
  return Promise.all(urls.map(async (url) => gcTotalsOf(await metricsText(url))));
}

/** Starts reading each node's GC now; `stop` reads again and gives each node's GC since, in the order of `urls`. */
export function watchGc(urls: readonly string[]): { stop(): Promise<NodeGc[]> } {
  const at = performance.now();
  const from = gcTotals(urls);
  return {
    stop: async () => {
      const to = await gcTotals(urls);
      return gcBetween(await from, to, performance.now() - at);
    },
  };
}

/** `GC: leader 11.2 ms/s (2 full), followers 8.1 and 9 ms/s (1 and 0 full)`, leader first. */
export function gcText(gc: readonly NodeGc[]): string {
  const [leader, ...followers] = gc;
  if (leader === undefined) return 'GC: no nodes';
  return `GC: leader ${leader.msPerSec} ms/s (${leader.major} full), followers ${followers.map((f) => f.msPerSec).join(' and ')} ms/s (${followers.map((f) => f.major).join(' and ')} full)`;
}
