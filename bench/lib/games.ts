import { playouts } from '@rookery/testing';
import { seatGames, type SeatedGame } from './http';

/** A game ready for load: both seats (session and token), and the legal moves it will play. */
export interface BenchGame extends SeatedGame {
  moves: string[];
  /** How many of `moves` were played already (by an earlier load). */
  played?: number;
}

/**
 * Creates `count` untimed games through `url` (the leader, or HAProxy), each joined by a second
 * session, `parallel` at a time (lib/http.ts seatGames); each gets a playout (`distinct`
 * different ones, reused in turn: the games are independent all the same).
 */
export async function createGames(url: string, count: number, plies: number, opts: { distinct?: number; parallel?: number; tag?: string } = {}): Promise<BenchGame[]> {
  const lines = playouts(Math.min(count, opts.distinct ?? 64), plies, 1000);
  const seated = await seatGames([url], count, opts.tag ?? `b${Date.now().toString(36)}`, opts.parallel ?? 32);
  return seated.map((g, i) => ({ ...g, moves: lines[i % lines.length]! }));
}

/** Quantiles of sorted latencies, ms, rounded to 0.01. */
export function summarize(lat: number[]): { p50: number; p90: number; p95: number; p99: number; max: number } {
  const s = [...lat].sort((a, b) => a - b);
  const q = (p: number): number => Math.round((s[Math.min(s.length - 1, Math.floor(s.length * p))] ?? 0) * 100) / 100;
  return { p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99), max: Math.round((s[s.length - 1] ?? 0) * 100) / 100 };
}
