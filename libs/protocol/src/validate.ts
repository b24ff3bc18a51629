import { PATTERNS } from './game';
import type { ClientEventName } from './socket';

/**
 * Checks a client event's payload, field by field: the message of the first problem, or
 * undefined when it is well formed. Unknown fields are refused. The state machine validates
 * the command again when it applies it; this keeps junk from going further than the gateway.
 */
const { id: REQUEST_ID, gameId: GAME_ID, name: NAME } = PATTERNS;
const MOVE = /^[A-Za-z0-9=+#-]{2,10}$/;

type Check = (v: unknown) => boolean;
const str = (re: RegExp): Check => (v) => typeof v === 'string' && re.test(v);
const color: Check = (v) => v === 'white' || v === 'black';
const timeControl: Check = (v) => {
  if (v === null) return true;
  if (typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return Object.keys(o).every((k) => k === 'initialMs' || k === 'incrementMs') && Number.isSafeInteger(o['initialMs']) && Number.isSafeInteger(o['incrementMs']);
};

const SHAPES: Record<ClientEventName, Record<string, { check: Check; optional?: true; what: string }>> = {
  'game:create': {
    requestId: { check: str(REQUEST_ID), what: '1-64 letters, digits or _ . : -' },
    timeControl: { check: timeControl, what: 'null or { initialMs, incrementMs } in whole ms' },
    color: { check: (v) => color(v) || v === 'random', what: '"white", "black" or "random"' },
    name: { check: str(NAME), optional: true, what: '1-32 printable characters' },
  },
  'game:join': {
    requestId: { check: str(REQUEST_ID), what: '1-64 letters, digits or _ . : -' },
    gameId: { check: str(GAME_ID), what: 'a game id' },
    color: { check: color, optional: true, what: '"white" or "black"' },
    name: { check: str(NAME), optional: true, what: '1-32 printable characters' },
  },
  'game:move': {
    requestId: { check: str(REQUEST_ID), what: '1-64 letters, digits or _ . : -' },
    gameId: { check: str(GAME_ID), what: 'a game id' },
    move: { check: str(MOVE), what: 'UCI (e2e4) or SAN (Nf3)' },
  },
  'game:resign': gameOnly(),
  'game:offerDraw': gameOnly(),
  'game:acceptDraw': gameOnly(),
  'game:declineDraw': gameOnly(),
  'game:abort': gameOnly(),
  'game:claimDraw': {
    ...gameOnly(),
    reason: { check: (v) => v === 'threefold' || v === 'fifty-moves', optional: true, what: '"threefold" or "fifty-moves"' },
  },
  'game:watch': {
    gameId: { check: str(GAME_ID), what: 'a game id' },
    version: { check: (v) => Number.isSafeInteger(v) && (v as number) >= 0, optional: true, what: 'a version (an integer ≥ 0)' },
  },
  'game:unwatch': { gameId: { check: str(GAME_ID), what: 'a game id' } },
  'lobby:list': {},
};

function gameOnly(): Record<string, { check: Check; what: string }> {
  return {
    requestId: { check: str(REQUEST_ID), what: '1-64 letters, digits or _ . : -' },
    gameId: { check: str(GAME_ID), what: 'a game id' },
  };
}

export function checkPayload(event: ClientEventName, payload: unknown): string | undefined {
  const shape = SHAPES[event];
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return `${event} takes an object`;
  const p = payload as Record<string, unknown>;
  // Own fields only: `constructor` or `__proto__` is not a field just because every object inherits one.
  for (const key of Object.keys(p)) if (!Object.prototype.hasOwnProperty.call(shape, key)) return `${event} has no field ${key}`;
  for (const [key, f] of Object.entries(shape)) {
    const v = p[key];
    if (v === undefined) {
      if (f.optional) continue;
      return `${event} needs ${key}`;
    }
    if (!f.check(v)) return `${event}: ${key} must be ${f.what}`;
  }
  return undefined;
}

/** A client's session id, as the handshake carries it. */
export const SESSION = /^[A-Za-z0-9_.:-]{8,64}$/;
/** A seat token. */
export const TOKEN = PATTERNS.token;
