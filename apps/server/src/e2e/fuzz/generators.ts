import type { ClientEventName } from '@rookery/protocol';
import fc from 'fast-check';
import { fx, type GameName } from './fixture';

/**
 * The fuzz specs' generators of junk: request ids, game ids, tokens, moves and arbitrary values,
 * well-formed payloads of every client event and the mutations that spoil them, and the helpers
 * that handle such values safely (and say what the server receives of them).
 */

export const isPlain = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x) && !Buffer.isBuffer(x);
/** `o[k]` for an own property only: junk names like `constructor` must not find Object.prototype's. */
export const own = <T>(o: Record<string, T>, k: string): T | undefined => (Object.hasOwn(o, k) ? o[k] : undefined);

export const requestIdArb = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/);
export const validGameIdArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/);
export const tokenFormatArb = fc.stringMatching(/^[A-Za-z0-9_-]{16,128}$/);
const nameArb = fc.oneof(fc.string({ minLength: 1, maxLength: 32 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 32 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }));
export const moveArb = fc.oneof(fc.constantFrom('e4', 'e5', 'Nf3', 'Nc6', 'e2e4', 'g1f3', 'O-O', '0-0-0', 'a7a8q', 'e8=Q', 'Qxf7#', 'Kxe2', 'Pe4', 'h9', 'zz'), fc.stringMatching(/^[A-Za-z0-9=+#-]{2,10}$/));
const timeControlArb = fc.oneof(
  fc.constant(null),
  fc.record({ initialMs: fc.integer({ min: 0, max: 3 * 3_600_000 }), incrementMs: fc.integer({ min: 0, max: 180_000 }) }),
  fc.record({ initialMs: fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.double(), fc.string()), incrementMs: fc.oneof(fc.integer(), fc.double(), fc.constant(-0)) }),
);
/** Anything a JSON payload can be, plus the shapes junk tends to take. */
export const junkArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, 1e308, '', [], {}, [[[[[]]]]], { requestId: null }, '\u0000', '\ud800') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.maxSafeInteger(), fc.constant(2 ** 53)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
);
export const gameNameArb = fc.constantFrom<GameName | 'unknown'>('G1', 'G2', 'G3', 'unknown');

type Field = { gameId: GameName | 'unknown'; unknownId: string };
type Mutation = { op: 'drop'; pick: number } | { op: 'retype'; pick: number; value: unknown } | { op: 'extra'; key: string; value: unknown } | { op: 'replace'; value: unknown } | { op: 'none' };
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Mutation>({ op: 'none' }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('drop' as const), pick: fc.nat() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('retype' as const), pick: fc.nat(), value: junkArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('extra' as const), key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('constructor', '__proto__', 'toString', 'gameId', 'token', 'session', 'type')), value: junkArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('replace' as const), value: junkArb }) },
);

/** A well-formed payload of `event`, before mutations: the game named symbolically. */
export const basePayloadArb = (event: ClientEventName): fc.Arbitrary<{ p: Record<string, unknown>; g: Field }> => {
  const g = fc.record({ gameId: gameNameArb, unknownId: validGameIdArb });
  const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
  const drop = (o: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  switch (event) {
    case 'game:create':
      return fc.record({ requestId: requestIdArb, timeControl: timeControlArb, color: fc.constantFrom('white', 'black', 'random'), name: opt(nameArb), g }).map(({ g: gg, ...p }) => ({ p: drop(p), g: gg }));
    case 'game:join':
      return fc.record({ requestId: requestIdArb, color: opt(fc.constantFrom('white', 'black')), name: opt(nameArb), g }).map(({ g: gg, ...p }) => ({ p: drop({ ...p, gameId: '' }), g: gg }));
    case 'game:move':
      return fc.record({ requestId: requestIdArb, move: moveArb, g }).map(({ g: gg, ...p }) => ({ p: { ...p, gameId: '' }, g: gg }));
    case 'game:claimDraw':
      return fc.record({ requestId: requestIdArb, reason: opt(fc.constantFrom('threefold', 'fifty-moves')), g }).map(({ g: gg, ...p }) => ({ p: drop({ ...p, gameId: '' }), g: gg }));
    case 'game:watch':
      return fc
        .record({ version: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 6, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: fc.integer({ min: 7, max: 1e9 }) }), g })
        .map(({ g: gg, ...p }) => ({ p: drop({ ...p, gameId: '' }), g: gg }));
    case 'game:unwatch':
      return g.map((gg) => ({ p: { gameId: '' }, g: gg }));
    case 'lobby:list':
      return g.map((gg) => ({ p: {}, g: gg }));
    default:
      return fc.record({ requestId: requestIdArb, g }).map(({ g: gg, ...p }) => ({ p: { ...p, gameId: '' }, g: gg }));
  }
};

export function resolveGame(g: Field): string {
  return g.gameId === 'unknown' ? `u${g.unknownId}`.slice(0, 32) : fx.games[g.gameId];
}

export function applyMutation(p: Record<string, unknown>, m: Mutation): unknown {
  const keys = Object.keys(p);
  switch (m.op) {
    case 'none':
      return p;
    case 'drop': {
      if (keys.length === 0) return p;
      const k = keys[m.pick % keys.length]!;
      const { [k]: _gone, ...rest } = p;
      return rest;
    }
    case 'retype': {
      if (keys.length === 0) return { junk: m.value };
      return { ...p, [keys[m.pick % keys.length]!]: m.value };
    }
    case 'extra': {
      const out = { ...p };
      // An own property even for "__proto__" (as JSON.parse makes it on the server).
      Object.defineProperty(out, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      return out;
    }
    case 'replace':
      return m.value;
  }
}

/** What the server receives for a value the client emits: JSON, with Buffers kept as binary attachments. */
export function wireOf(x: unknown): unknown {
  if (Buffer.isBuffer(x) || x instanceof Uint8Array) return Buffer.from(x);
  if (Array.isArray(x)) return x.map((v) => (v === undefined ? null : wireOf(v)));
  if (typeof x === 'object' && x !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (v !== undefined) Object.defineProperty(out, k, { value: wireOf(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  if (typeof x === 'number' && !Number.isFinite(x)) return null;
  if (Object.is(x, -0)) return 0;
  return x;
}

export const hasBinary = (x: unknown): boolean => Buffer.isBuffer(x) || x instanceof Uint8Array || (Array.isArray(x) ? x.some(hasBinary) : isPlain(x) && Object.values(x).some(hasBinary));
