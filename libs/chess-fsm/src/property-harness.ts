/**
 * What the property specs (property-*.spec.ts) share: the seed, seat tokens, the outcome counters
 * they report, and the move texts both the junk and the command streams draw from. Specs only; not
 * part of the public surface.
 *
 * Every property runs with a fixed seed (FC_SEED overrides it); fast-check's report of a failure
 * prints the seed, the path and the shrunk counterexample, so `FC_SEED=<seed>` plus the printed
 * `path` replays it.
 *
 * This file is not a *.spec.ts, so it is compiled and linted as the library's pure code (no Node
 * types, no node: imports): each spec passes process.env in to `propertySeed`, and the checks below
 * throw plain Errors instead of using node:assert.
 */
import fc from 'fast-check';
import type { ApplyOutput, Color } from './index';

/** The seed (FC_SEED from `env`, the spec's process.env, else a fixed one) and fast-check's parameters for `numRuns` runs from it. */
export function propertySeed(env: Record<string, string | undefined>): { SEED: number; params: (numRuns: number) => { seed: number; numRuns: number; includeErrorInReport: boolean } } {
  const SEED = Number(env['FC_SEED'] ?? 0x5eed_c4e5);
  const params = (numRuns: number): { seed: number; numRuns: number; includeErrorInReport: boolean } => ({ seed: SEED, numRuns, includeErrorInReport: true });
  return { SEED, params };
}

export const other = (c: Color): Color => (c === 'white' ? 'black' : 'white');
/** A seat token: 16+ characters of [A-Za-z0-9_-]. */
export const token = (s: string): string => `tk_${s}`.padEnd(20, '0');
export const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);
export const T0 = 1_700_000_000_000;
export const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function ok(out: ApplyOutput, what: string): void {
  if (out.result.ok !== true) throw new Error(`${what}: ${JSON.stringify(out.result)}`);
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
