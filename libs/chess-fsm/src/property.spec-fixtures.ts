/**
 * What the property specs (property-*.spec.ts) share: the seed, seat tokens, the outcome counters
 * they report, and the move texts both the junk and the command streams draw from. Specs only; not
 * part of the public surface.
 *
 * Every property runs with a fixed seed (FC_SEED overrides it); fast-check's report of a failure
 * prints the seed, the path and the shrunk counterexample, so `FC_SEED=<seed>` plus the printed
 * `path` replays it.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ApplyOutput, Color } from './index';

export const SEED = Number(process.env['FC_SEED'] ?? 0x5eed_c4e5);
export const params = (numRuns: number): { seed: number; numRuns: number; includeErrorInReport: boolean } => ({ seed: SEED, numRuns, includeErrorInReport: true });

export const other = (c: Color): Color => (c === 'white' ? 'black' : 'white');
/** A seat token: 16+ characters of [A-Za-z0-9_-]. */
export const token = (s: string): string => `tk_${s}`.padEnd(20, '0');
export const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;
export const T0 = 1_700_000_000_000;
export const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function ok(out: ApplyOutput, what: string): void {
  assert.equal(out.result.ok, true, `${what}: ${JSON.stringify(out.result)}`);
}

/** Counts of outcomes (ends, refusals, results and events), cleared and reported as a diagnostic by each property that keeps them. */
export const stats = new Map<string, number>();
export function bump(k: string): void {
  stats.set(k, (stats.get(k) ?? 0) + 1);
}

const squareArb = fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), fc.integer({ min: 1, max: 8 })).map(([f, r]) => `${f}${r}`);
export const moveTextArb: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(squareArb, squareArb, fc.constantFrom('', 'q', 'r', 'b', 'n')).map(([a, b, p]) => `${a}${b}${p}`),
  fc.tuple(fc.constantFrom('', 'K', 'Q', 'R', 'B', 'N'), fc.constantFrom('', 'x'), squareArb, fc.constantFrom('', '+', '#', '=Q', '=N')).map(([p, x, s, suf]) => `${p}${x}${s}${suf}`),
  fc.constantFrom('O-O', 'O-O-O', '0-0', 'e4', 'e2e4', 'Nf3', 'a8', 'a7a8', 'a8=Q', 'a7a8q', 'Ke2', 'Qh5', 'exd5', 'e1g1', 'e8g8', 'Pa8=Q', 'a8q', 'Nbd7'),
);
