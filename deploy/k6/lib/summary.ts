/**
 * The end-of-test table of the write-load script: one row per arrival rate, the same columns as
 * the project's own load generator prints (`npm run bench`), so the two can be compared line by
 * line. Pure: k6's summary data in, text out.
 */

/** The part of k6's `handleSummary(data)` argument this reads (@types/k6 does not type it). */
export interface SummaryData {
  metrics: Record<string, { type: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
}

/** The sub-metric names a scenario's thresholds create and the table reads: one place, so they agree. */
export function rateMetrics(rate: number): { latency: string; failed: string; moves: string } {
  return {
    latency: `http_req_duration{op:move,rate:${rate}}`,
    failed: `http_req_failed{op:move,rate:${rate}}`,
    moves: `moves{rate:${rate}}`,
  };
}

export interface RateRow {
  rate: number;
  /** Moves answered 201 per second of the rate's stage. */
  achieved: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
  /** Move requests that failed (not 201). */
  errors: number;
}

export function rateRow(data: SummaryData, rate: number, seconds: number): RateRow {
  const m = rateMetrics(rate);
  const lat = data.metrics[m.latency]?.values ?? {};
  const moves = data.metrics[m.moves]?.values['count'] ?? 0;
  return {
    rate,
    achieved: moves / seconds,
    p50: lat['p(50)'] ?? lat['med'] ?? NaN,
    p90: lat['p(90)'] ?? NaN,
    p95: lat['p(95)'] ?? NaN,
    p99: lat['p(99)'] ?? NaN,
    max: lat['max'] ?? NaN,
    // A Rate's `passes` counts the true values: here, the failed requests.
    errors: data.metrics[m.failed]?.values['passes'] ?? 0,
  };
}

const COLUMNS = ['rate/s', 'achieved/s', 'p50 ms', 'p90 ms', 'p95 ms', 'p99 ms', 'max ms', 'errors'];

export function rateTable(rows: readonly RateRow[]): string {
  const cells = rows.map((r) => [String(r.rate), r.achieved.toFixed(1), ms(r.p50), ms(r.p90), ms(r.p95), ms(r.p99), ms(r.max), String(r.errors)]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: readonly string[]): string => row.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(COLUMNS), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

/** Every threshold of the run, passed or crossed, one a line. */
export function thresholdLines(data: SummaryData): string {
  const lines: string[] = [];
  for (const name of Object.keys(data.metrics).sort()) {
    for (const [rule, t] of Object.entries(data.metrics[name]!.thresholds ?? {})) lines.push(`${t.ok ? 'ok     ' : 'CROSSED'}  ${name}  ${rule}`);
  }
  return lines.join('\n') + (lines.length > 0 ? '\n' : '');
}

function ms(v: number): string {
  return Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '-';
}
