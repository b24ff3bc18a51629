// Seats and sessions shared by the specs: three players (white, black and a spectator) with
// tokens and sessions that pass validation. Specs only; not part of the public surface.
export const WT = 'tok-white-0000000000001';
export const BT = 'tok-black-0000000000002';
export const XT = 'tok-specta-000000000003';
export const WS = 'sess-white';
export const BS = 'sess-black';
export const XS = 'sess-spectator';

/** A command as a test writes it: any shape, since the machine validates. */
export type Body = Record<string, unknown>;

/** A seeded xorshift32 generator of integers in [0, n): the same sequence every run. */
export function seeded(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % n;
  };
}
