import type { Op, Outcome } from './history';
import type { StreamItem } from './streams';

type Invoked<T extends Op> = Omit<T, 'id' | 'invoke' | 'complete' | 'outcome'>;

/**
 * The history as it happens, on one monotonic clock. An operation is recorded when it is
 * invoked, so one still in flight when the schedule ends (or the harness dies) stays in the
 * history as unknown — never silently dropped.
 */
export class Recorder {
  readonly ops: Op[] = [];
  /** What the players' connections received, in arrival order. */
  readonly streams: StreamItem[] = [];
  private readonly origin = performance.now();
  private readonly open = new Set<Op>();

  /** ms since the schedule began. */
  now(): number {
    return performance.now() - this.origin;
  }

  invoke<T extends Op>(op: Invoked<T>): T {
    const full = { ...op, id: this.ops.length + 1, invoke: this.now(), complete: Number.NaN, outcome: 'unknown', code: 'in flight' } as unknown as T;
    this.ops.push(full);
    this.open.add(full);
    return full;
  }

  /** Fills in the outcome (and outputs) of an operation recorded by `invoke`. */
  complete<T extends Op>(op: T, outcome: Outcome, fields: Partial<T> = {}): void {
    if (!this.open.delete(op)) return;
    Object.assign(op, fields, { outcome, complete: this.now() });
    if (outcome === 'ok') delete op.code;
  }

  /** Operations never answered stay unknown, completed now. */
  close(): void {
    for (const op of this.open) Object.assign(op, { complete: this.now() });
    this.open.clear();
  }
}
