import type { Clocks, Color, TimeControl } from './types';

/**
 * Server-authoritative clocks computed from entry times only.
 *
 * How the first moves are timed (as on lichess): neither side's clock runs before that side's
 * first move. White's first move and Black's first move are free and earn no increment; White's
 * clock starts when Black has made its first move, Black's when White has made its second. From
 * then on the mover's clock runs from the entry time of the opponent's move to the entry time of
 * its own, and the increment is added after each move made in time. A move whose entry time is at
 * or past the mover's flag fall is not played: the mover loses on time (or draws, if the opponent
 * cannot mate).
 */
export class GameClock {
  white: number;
  black: number;
  /** Entry time at which the running side's clock started, or null while no clock runs. */
  startedAt: number | null = null;

  constructor(readonly control: TimeControl) {
    this.white = this.black = GameClock.initialTime(control);
  }

  /**
   * The time each side starts with. With no initial time (0+3), the first two moves earn no
   * increment, so a side would flag the moment its clock started; as on lichess, such a clock
   * starts with the increment, but at least 3 s.
   */
  static initialTime(control: TimeControl): number {
    return control.initialMs > 0 ? control.initialMs : Math.max(control.incrementMs, 3000);
  }

  /** Time `color` has left at `at`, if its clock is the one running. */
  left(color: Color, running: Color, at: number): number {
    const base = this[color];
    return color === running && this.startedAt !== null ? base - Math.max(0, at - this.startedAt) : base;
  }

  /** Whether the side to move has run out of time at `at`. */
  fallen(toMove: Color, at: number): boolean {
    return this.startedAt !== null && this.left(toMove, toMove, at) <= 0;
  }

  /**
   * Charges the mover for a move made at `at`, the `ply`-th of the game (0-based), and starts
   * the opponent's clock when it should run.
   */
  moved(mover: Color, ply: number, at: number): void {
    if (this.startedAt !== null) this[mover] = this.left(mover, mover, at) + this.control.incrementMs;
    // Ply 0 and 1 are each side's first move: the clock starts once both have moved.
    this.startedAt = ply >= 1 ? at : null;
  }

  /** Stops the clock at `at` (the game ended), charging the side to move for its thinking time. */
  stop(toMove: Color, at: number): void {
    if (this.startedAt !== null) this[toMove] = Math.max(0, this.left(toMove, toMove, at));
    this.startedAt = null;
  }

  view(toMove: Color, at: number): Clocks {
    return { white: this.white, black: this.black, running: this.startedAt === null ? null : toMove, at: this.startedAt ?? at };
  }

  toJSON(): [number, number, number | null] {
    return [this.white, this.black, this.startedAt];
  }

  static from(control: TimeControl, saved: [number, number, number | null]): GameClock {
    const c = new GameClock(control);
    [c.white, c.black, c.startedAt] = saved;
    return c;
  }
}
