/**
 * A linearizability search over one object's history: the Wing & Gong algorithm with Lowe's
 * improvements (the one Porcupine implements). Operations are intervals [invoke, complete];
 * the search linearizes them one at a time, in an order that respects real time (an operation
 * that completed before another was invoked comes first), stepping the model each time, and
 * backtracks when an operation's completion is reached before it could be placed. A cache of
 * (operations linearized, model state) cuts the search off where it has already been.
 *
 * The model may be nondeterministic (an operation whose outcome is unknown may or may not have
 * taken effect): the search then carries the set of states the model may be in, as Porcupine
 * does for nondeterministic models.
 */

export interface Model<S> {
  /** The states the object may be in before any operation. */
  readonly init: readonly S[];
  /** The states `op` may lead to from `state`, given what was observed of it; none: `op` cannot take effect here. */
  step(state: S, op: number): readonly S[];
  /** Equal keys: equal states. */
  key(state: S): string;
}

/** An operation's real-time interval; `complete: Infinity` for one whose outcome is unknown. */
export interface Interval {
  invoke: number;
  complete: number;
}

export type Linearization<S> =
  | { result: 'linearizable'; order: number[]; final: readonly S[] }
  /**
   * `longest`: the longest prefix the search could linearize; `blocked`: an operation whose
   * completion came before it could be placed after that prefix; `states`: where the model was.
   */
  | { result: 'violation'; longest: number[]; blocked: number; states: readonly S[] }
  /** The search gave up after `budget` steps: neither proven nor refuted. */
  | { result: 'unknown'; steps: number };

interface Entry {
  op: number;
  call: boolean;
  time: number;
  prev: Entry | undefined;
  next: Entry | undefined;
  /** A call's return entry. */
  match: Entry | undefined;
}

/** Gives up (`unknown`) after `budget` steps or `timeoutMs`, whichever comes first: a step can cost much when the state sets grow. */
export function checkLinearizable<S>(ops: readonly Interval[], model: Model<S>, budget = 2_000_000, timeoutMs = 30_000): Linearization<S> {
  const deadline = Date.now() + timeoutMs;
  const head = buildList(ops);
  const linearized = new Bitset(ops.length);
  const cache = new Set<string>();
  const stack: { entry: Entry; states: readonly S[] }[] = [];
  let states: readonly S[] = dedupe(model.init, model);
  let entry = head.next;
  let longest: number[] = [];
  let blocked = -1;
  let blockedStates: readonly S[] = states;
  let steps = 0;
  while (head.next !== undefined) {
    if (++steps > budget || (steps % 256 === 0 && Date.now() > deadline)) return { result: 'unknown', steps };
    const e = entry!;
    if (e.call) {
      const next = stepAll(states, e.op, model);
      if (next.length > 0) {
        linearized.set(e.op);
        const key = `${linearized.key()}|${next.map((s) => model.key(s)).join(',')}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ entry: e, states });
          states = next;
          lift(e);
          entry = head.next;
          continue;
        }
        linearized.clear(e.op);
      }
      entry = e.next;
    } else {
      // This operation completed, yet it could not be placed before this point: undo the last choice.
      if (stack.length >= longest.length) {
        longest = stack.map((s) => s.entry.op);
        blocked = e.op;
        blockedStates = states;
      }
      const top = stack.pop();
      if (top === undefined) return { result: 'violation', longest, blocked, states: blockedStates };
      states = top.states;
      linearized.clear(top.entry.op);
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return { result: 'linearizable', order: stack.map((s) => s.entry.op), final: states };
}

/** Calls and returns in time order, behind a sentinel head. At equal times calls come first: the two operations overlap. */
function buildList(ops: readonly Interval[]): Entry {
  const entries: Entry[] = [];
  ops.forEach((o, op) => {
    if (!(o.complete >= o.invoke)) throw new RangeError(`operation ${op} completes (${o.complete}) before it is invoked (${o.invoke})`);
    const ret: Entry = { op, call: false, time: o.complete, prev: undefined, next: undefined, match: undefined };
    entries.push({ op, call: true, time: o.invoke, prev: undefined, next: undefined, match: ret }, ret);
  });
  entries.sort((a, b) => a.time - b.time || Number(b.call) - Number(a.call) || a.op - b.op);
  const head: Entry = { op: -1, call: false, time: -Infinity, prev: undefined, next: undefined, match: undefined };
  let last = head;
  for (const e of entries) {
    e.prev = last;
    last.next = e;
    last = e;
  }
  return head;
}

/** Takes a call and its return out of the list (they are put back in the reverse order). */
function lift(call: Entry): void {
  call.prev!.next = call.next;
  if (call.next !== undefined) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next !== undefined) ret.next.prev = ret.prev;
}

function unlift(call: Entry): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next !== undefined) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next !== undefined) call.next.prev = call;
}

function stepAll<S>(states: readonly S[], op: number, model: Model<S>): S[] {
  const out: S[] = [];
  for (const s of states) out.push(...model.step(s, op));
  return dedupe(out, model);
}

/** Distinct states, in key order, so that one set has one cache key. */
function dedupe<S>(states: readonly S[], model: Model<S>): S[] {
  const byKey = new Map<string, S>();
  for (const s of states) byKey.set(model.key(s), s);
  return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
}

class Bitset {
  private readonly words: Uint32Array;
  constructor(n: number) {
    this.words = new Uint32Array(Math.ceil(n / 32) || 1);
  }
  set(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }
  clear(i: number): void {
    this.words[i >>> 5]! &= ~(1 << (i & 31));
  }
  key(): string {
    return Array.from(this.words, (w) => w.toString(36)).join('.');
  }
}
