import { PATTERNS } from './game';
import type { ClientEventName } from './socket';

/**
 * Field-by-field checking of untrusted objects, shared by the gateway (client payloads, here)
 * and the state machine (commands): a shape names each field's rule; unknown fields are
 * refused, so a typo is an error, not a no-op. The answer is the first problem, or undefined.
 */

/** A field's rule: what is wrong with a value (undefined when nothing is), and whether it may be left out. */
export interface FieldRule {
  check(v: unknown): string | undefined;
  optional?: true;
}
export type Shape = Record<string, FieldRule>;

/** A string matching `re`; otherwise "must be <what>". */
export function pattern(re: RegExp, what: string, optional?: true): FieldRule {
  return { check: (v) => (typeof v === 'string' && re.test(v) ? undefined : `must be ${what}`), ...(optional ? { optional } : {}) };
}

/** One of `values`; otherwise "must be <what>". */
export function oneOf(values: readonly unknown[], what: string, optional?: true): FieldRule {
  return { check: (v) => (values.includes(v) ? undefined : `must be ${what}`), ...(optional ? { optional } : {}) };
}

export function checkFields(label: string, shape: Shape, x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return `${label} takes an object`;
  const p = x as Record<string, unknown>;
  // Own fields only: `constructor` or `__proto__` is not a field just because every object inherits one.
  for (const key of Object.keys(p)) if (!Object.prototype.hasOwnProperty.call(shape, key)) return `${label} has no field ${key}`;
  // for…in, not Object.entries: this runs on every entry applied, and shapes are plain literals.
  for (const key in shape) {
    const rule = shape[key]!;
    const v = p[key];
    if (v === undefined) {
      if (rule.optional) continue;
      return `${label} needs ${key}`;
    }
    const problem = rule.check(v);
    if (problem !== undefined) return `${label}: ${key} ${problem}`;
  }
  return undefined;
}

const REQUEST_ID = pattern(PATTERNS.id, '1-64 letters, digits or _ . : -');
/** A move's `ply`: the plies its game had played when it was made (optional). */
export const PLY: FieldRule = { check: (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : 'must be a ply count (an integer ≥ 0)'), optional: true };
const GAME_ID = pattern(PATTERNS.gameId, 'a game id');
const NAME = pattern(PATTERNS.name, '1-32 printable characters', true);
const TIME_CONTROL: FieldRule = {
  check(v) {
    if (v === null) return undefined;
    const ok =
      typeof v === 'object' &&
      !Array.isArray(v) &&
      Object.keys(v).every((k) => k === 'initialMs' || k === 'incrementMs') &&
      Number.isSafeInteger((v as Record<string, unknown>)['initialMs']) &&
      Number.isSafeInteger((v as Record<string, unknown>)['incrementMs']);
    return ok ? undefined : 'must be null or { initialMs, incrementMs } in whole ms';
  },
};
const GAME_ONLY: Shape = { requestId: REQUEST_ID, gameId: GAME_ID };

const SHAPES: Record<ClientEventName, Shape> = {
  'game:create': {
    requestId: REQUEST_ID,
    timeControl: TIME_CONTROL,
    color: oneOf(['white', 'black', 'random'], '"white", "black" or "random"'),
    name: NAME,
  },
  'game:join': { requestId: REQUEST_ID, gameId: GAME_ID, color: oneOf(['white', 'black'], '"white" or "black"', true), name: NAME },
  'game:move': { requestId: REQUEST_ID, gameId: GAME_ID, move: pattern(/^[A-Za-z0-9=+#-]{2,10}$/, 'UCI (e2e4) or SAN (Nf3)'), ply: PLY },
  'game:resign': GAME_ONLY,
  'game:offerDraw': GAME_ONLY,
  'game:acceptDraw': GAME_ONLY,
  'game:declineDraw': GAME_ONLY,
  'game:abort': GAME_ONLY,
  'game:claimDraw': { ...GAME_ONLY, reason: oneOf(['threefold', 'fifty-moves'], '"threefold" or "fifty-moves"', true) },
  'game:watch': {
    gameId: GAME_ID,
    version: { check: (v) => (Number.isSafeInteger(v) && (v as number) >= 0 ? undefined : 'must be a version (an integer ≥ 0)'), optional: true },
  },
  'game:unwatch': { gameId: GAME_ID },
  'lobby:list': {},
};

/** Checks a client event's payload: the first problem, or undefined when it is well formed. */
export function checkPayload(event: ClientEventName, payload: unknown): string | undefined {
  return checkFields(event, SHAPES[event], payload);
}

/** A client's session id, as the handshake carries it. */
export const SESSION = /^[A-Za-z0-9_.:-]{8,64}$/;
/** A seat token. */
export const TOKEN = PATTERNS.token;
