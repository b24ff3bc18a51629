/** Latency figures in ms, rounded to 0.1 ms (finer is noise at these scales). */
export interface Summary {
  p50: number;
  p99: number;
  max: number;
}

/** The nearest-rank percentile (q in (0, 1]) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function summarize(xs: readonly number[]): Summary {
  const s = [...xs].sort((a, b) => a - b);
  const r = (x: number): number => Math.round(x * 10) / 10;
  return { p50: r(percentile(s, 0.5)), p99: r(percentile(s, 0.99)), max: r(s[s.length - 1] ?? NaN) };
}

/** Wall-clock ms with sub-ms precision: comparable across processes of one machine (unlike performance.now()). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}
