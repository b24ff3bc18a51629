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
