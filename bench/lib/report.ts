// The rate table is k6's (deploy/k6/lib/summary.ts): \`npm run bench\` and \`k6 run http-moves.js\`
// print the same columns, so the two can be compared line by line.
import { rateTable, type RateRow } from '../../deploy/k6/lib/summary';

export { rateTable, type RateRow };

export interface ClosedRow {
  concurrency: number;
  /** `snapshotted`: the nodes that wrote a snapshot during the level (its CPU is in the level's figures). */
  rookery: { rate: number; p50: number; p99: number; snapshotted?: readonly string[] };
  etcd?: { rate: number; p50: number; p99: number };
  ratio?: number;
}

const pad = (x: unknown, w: number): string => String(x).padStart(w);

export function closedTable(rows: readonly ClosedRow[]): string {
  const head = `${pad('players', 7)} | ${pad('moves/s', 8)} | ${pad('p50 ms', 7)} | ${pad('p99 ms', 7)} | ${pad('etcd/s', 8)} | ${pad('p50 ms', 7)} | ${pad('p99 ms', 7)} | ratio`;
  const f = (x: number | undefined, w: number): string => pad(x === undefined ? '-' : x, w);
  const rowsText = rows.map((r) => `${pad(r.concurrency, 7)} | ${f(r.rookery.rate, 8)} | ${f(r.rookery.p50, 7)} | ${f(r.rookery.p99, 7)} | ${f(r.etcd?.rate, 8)} | ${f(r.etcd?.p50, 7)} | ${f(r.etcd?.p99, 7)} | ${r.ratio === undefined ? '-' : r.ratio.toFixed(2)}${r.rookery.snapshotted?.length ? '  (snapshot)' : ''}`);
  const note = rows.some((r) => r.rookery.snapshotted?.length) ? ['(snapshot): the nodes wrote a snapshot during that level, and its CPU is in the figures'] : [];
  return [head, ...rowsText, ...note].join('\n');
}

/**
 * Latency against arrival rate, both on log scales: p50, p99 and max per level, the 1 s line
 * where the table stops. A plain SVG: it opens in any browser and diffs as text.
 */
export function latencyChart(rows: readonly RateRow[], title: string): string {
  const W = 720;
  const H = 420;
  const m = { l: 70, r: 150, t: 40, b: 50 };
  const rates = rows.map((r) => r.rate);
  const lx = (v: number): number => Math.log10(Math.max(v, 1e-3));
  const xMin = lx(Math.min(...rates, 1));
  const xMax = lx(Math.max(...rates, 10)) + 0.1;
  const yMin = lx(0.5);
  const yMax = lx(Math.max(2000, ...rows.map((r) => r.max)));
  const X = (v: number): number => m.l + ((lx(v) - xMin) / (xMax - xMin)) * (W - m.l - m.r);
  const Y = (v: number): number => H - m.b - ((lx(Math.max(v, 0.5)) - yMin) / (yMax - yMin)) * (H - m.t - m.b);
  const line = (pick: (r: RateRow) => number, color: string, label: string, i: number): string => {
    const pts = rows.map((r) => `${X(r.rate).toFixed(1)},${Y(pick(r)).toFixed(1)}`).join(' ');
    const dots = rows.map((r) => `<circle cx="${X(r.rate).toFixed(1)}" cy="${Y(pick(r)).toFixed(1)}" r="3" fill="${color}"/>`).join('');
    return `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>${dots}<text x="${W - m.r + 16}" y="${m.t + 20 + i * 20}" fill="${color}" font-size="13">${label}</text>`;
  };
  const ticksX = [1, 10, 100, 1000, 10_000, 100_000].filter((v) => lx(v) >= xMin && lx(v) <= xMax);
  const ticksY = [1, 10, 100, 1000, 10_000, 100_000].filter((v) => lx(v) >= yMin && lx(v) <= yMax);
  const grid = [
    ...ticksX.map((v) => `<line x1="${X(v)}" x2="${X(v)}" y1="${m.t}" y2="${H - m.b}" stroke="#ddd"/><text x="${X(v)}" y="${H - m.b + 18}" text-anchor="middle" font-size="12">${v}</text>`),
    ...ticksY.map((v) => `<line x1="${m.l}" x2="${W - m.r}" y1="${Y(v)}" y2="${Y(v)}" stroke="#ddd"/><text x="${m.l - 8}" y="${Y(v) + 4}" text-anchor="end" font-size="12">${v}</text>`),
  ].join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="system-ui, sans-serif">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${m.l}" y="24" font-size="15" font-weight="600">${title}</text>
${grid}
<line x1="${m.l}" x2="${W - m.r}" y1="${Y(1000)}" y2="${Y(1000)}" stroke="#c33" stroke-dasharray="5 4"/>
<text x="${W - m.r + 16}" y="${Y(1000) + 4}" fill="#c33" font-size="12">p99 limit 1 s</text>
${line((r) => r.p50, '#2a6fb0', 'p50', 0)}
${line((r) => r.p99, '#d08a00', 'p99', 1)}
${line((r) => r.max, '#888', 'max', 2)}
<text x="${(m.l + W - m.r) / 2}" y="${H - 12}" text-anchor="middle" font-size="13">moves per second offered (log)</text>
<text x="18" y="${(m.t + H - m.b) / 2}" transform="rotate(-90 18 ${(m.t + H - m.b) / 2})" text-anchor="middle" font-size="13">latency ms (log)</text>
</svg>
`;
}
